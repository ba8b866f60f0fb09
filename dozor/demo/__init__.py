"""`dozor demo`: the whole appliance on an embedded default, for a newcomer's first minute.

A simulated camera (a drive-by clip of rendered cars with Ukrainian plates, served over RTSP), a
temporary data folder, LPR and the web UI on 127.0.0.1, with one-time passwords printed once.
"""
