"""Licence-plate reading: frames from the recorder's tap -> motion gate -> LPR worker processes ->
sightings (one record per vehicle pass) in a SQLite store searchable by the first three characters.

The daemon imports only `plate_index.service` (a light feeder and the worker supervision); models and
ONNX Runtime are loaded in the worker processes, so a crash or stall there never touches recording.
"""
