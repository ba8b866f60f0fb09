#!/usr/bin/env bash
# Appliance install of Dozor (`sudo make install-system`): the `dozor` system user, this checkout in a
# venv under /opt/dozor, /etc/dozor/config.toml (from config.example.toml, only if absent), the data
# folder /var/lib/dozor, the plate models, a self-signed HTTPS certificate, the audit log's append-only
# anchor file, and the systemd units.
#
# A plain script rather than a `dozor install` command: it must run before any venv exists, as root,
# and an installer can read every step. Safe to run again (after `git pull`, say): it reinstalls the
# code, keeps the config, certificate, recordings and accounts, and leaves the same state.
#
#   sudo scripts/install-system.sh [--models DIR]      # or: sudo make install-system MODELS=DIR
#
# --models DIR / MODELS=DIR  copy the ONNX models from DIR (offline sites); otherwise models already in
#                            /var/lib/dozor/models are kept, or fast-alpr's hub is tried (needs internet)
# DOZOR_ROOT=/tmp/x          install under another root (tests): every path, useradd/userdel --prefix,
#                            systemctl --root; nothing on the host changes and no service is started
# DOZOR_PYTHON=python3       the Python that makes the venv (default: Debian's /usr/bin/python3)
set -euo pipefail

ROOT="${DOZOR_ROOT:-}"
ROOT="${ROOT%/}"
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${DOZOR_PYTHON:-/usr/bin/python3}"
MODELS_FROM="${MODELS:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --models) MODELS_FROM="${2:?--models needs a folder}"; shift 2 ;;
    --models=*) MODELS_FROM="${1#--models=}"; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "install-system: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done

OPT=/opt/dozor
VENV=$OPT/venv
ETC=/etc/dozor
CONFIG=$ETC/config.toml
DATA=/var/lib/dozor
MODELS_DIR=$DATA/models
UNIT_DIR=/etc/systemd/system
UNITS=(dozor.service dozor-web.service)
USER_NAME=dozor

say() { echo "install-system: $*"; }
die() { echo "install-system: error: $*" >&2; exit 1; }
r() { echo "$ROOT$1"; }  # a path inside the target root

[ "$(id -u)" -eq 0 ] || die "run as root (sudo make install-system)"
[ -x "$PYTHON" ] || command -v "$PYTHON" >/dev/null || die "$PYTHON not found (apt install python3 python3-venv)"
command -v openssl >/dev/null || die "openssl not found (apt install openssl)"
# Compiled .pyc files carry a hash of their source instead of its time: a re-run leaves the same files.
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git -C "$SRC" log -1 --format=%ct 2>/dev/null || echo 1700000000)}"
export PIP_DISABLE_PIP_VERSION_CHECK=1

# ---- the system user: no login shell, no home ----
prefix=()
[ -n "$ROOT" ] && prefix=(--prefix "$ROOT")
user_exists() {
  if [ -n "$ROOT" ]; then grep -q "^$USER_NAME:" "$(r /etc/passwd)" 2>/dev/null
  else getent passwd "$USER_NAME" >/dev/null; fi
}
if user_exists; then
  say "user $USER_NAME exists"
else
  useradd "${prefix[@]}" --system --user-group --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin --comment "Dozor CCTV appliance" "$USER_NAME"
  say "created system user $USER_NAME"
fi
# Numeric ids from the target root's own files (the host's NSS knows nothing of a DOZOR_ROOT user).
UID_NUM=$(awk -F: -v u="$USER_NAME" '$1 == u {print $3}' "$(r /etc/passwd)")
GID_NUM=$(awk -F: -v u="$USER_NAME" '$1 == u {print $4}' "$(r /etc/passwd)")
[ -n "$UID_NUM" ] && [ -n "$GID_NUM" ] || die "user $USER_NAME not found in $(r /etc/passwd)"

# ---- folders: code (root), config (root, group dozor reads), data (dozor only) ----
install -d -m 0755 -o 0 -g 0 "$(r $OPT)" "$(r $ETC)" "$(r $UNIT_DIR)" "$(r /usr/local/bin)"
install -d -m 0750 -o "$UID_NUM" -g "$GID_NUM" "$(r $DATA)"
# A hub's keys to its nodes (`sudo -u dozor dozor node-key /etc/dozor/nodes/NAME.key`): the dozor user
# writes them there and the web UI reads them; nobody else may.
install -d -m 0700 -o "$UID_NUM" -g "$GID_NUM" "$(r $ETC)/nodes"
# Data kept by an uninstall belongs to the old user's uid: give it to the new user (the append-only
# audit anchor takes no new owner until its attribute is lifted: only for the chown, and set again
# however the script ends, so a failure here cannot leave the anchor rewritable).
KEPT_ANCHOR="$(r $DATA)/audit-anchor.jsonl"
if [ -e "$KEPT_ANCHOR" ] && chattr -a "$KEPT_ANCHOR" 2>/dev/null; then
  trap 'chattr +a "$KEPT_ANCHOR" 2>/dev/null || true' EXIT
fi
find "$(r $DATA)" -mindepth 1 -maxdepth 1 ! -name models ! -user "$UID_NUM" \
  -exec chown -R "$UID_NUM:$GID_NUM" {} +
if [ -e "$KEPT_ANCHOR" ]; then chattr +a "$KEPT_ANCHOR" 2>/dev/null || true; fi
trap - EXIT
install -d -m 0750 -o 0 -g "$GID_NUM" "$(r $MODELS_DIR)"

# ---- the code: a venv with this checkout installed (not editable) ----
if [ ! -x "$(r $VENV)/bin/python" ]; then
  say "creating the venv $VENV"
  "$PYTHON" -m venv "$(r $VENV)"
fi
say "installing Dozor from $SRC into $VENV"
# --force-reinstall --no-deps: the checkout's code replaces the installed one even at the same version;
# the second run adds the dependencies that are missing (none on a re-run).
"$(r $VENV)/bin/pip" install --quiet --no-warn-script-location --force-reinstall --no-deps "$SRC"
"$(r $VENV)/bin/pip" install --quiet --no-warn-script-location "$SRC"
ln -sfn "$VENV/bin/dozor" "$(r /usr/local/bin/dozor)"
DOZOR="$(r $VENV)/bin/dozor"

# ---- the config: created once from the example, never overwritten ----
if [ -e "$(r $CONFIG)" ]; then
  say "keeping the existing $CONFIG"
else
  sed -e 's|^path = .*|path = "'"$DATA"'"|' \
      -e 's|^model_dir = .*|model_dir = "'"$MODELS_DIR"'"|' \
      -e 's|^listen = .*|listen = "0.0.0.0:8443"|' \
      -e 's|^tls = .*|tls = true|' \
      "$SRC/config.example.toml" > "$(r $CONFIG).new"
  chown "0:$GID_NUM" "$(r $CONFIG).new"
  chmod 0640 "$(r $CONFIG).new"  # camera passwords: root writes, the dozor group reads
  mv "$(r $CONFIG).new" "$(r $CONFIG)"
  say "created $CONFIG from config.example.toml: edit its [[cameras]], then check it"
fi
"$DOZOR" check-config "$(r $CONFIG)" >/dev/null || die "$CONFIG is not valid (dozor check-config $CONFIG)"
# What the rest needs from the config (the installed Dozor's own schema reads it).
read -r STORAGE TLS < <("$(r $VENV)/bin/python" - "$(r $CONFIG)" <<'EOF'
import sys
from edge.config import load_config
c = load_config(sys.argv[1])
print(c.storage.path, "yes" if c.web.tls else "no")
EOF
)

# ---- the plate models ----
verify_models() {  # every model file whose name is in the known list must match its sha256
  local file name want have status=0
  for file in "$(r $MODELS_DIR)"/*.onnx "$(r $MODELS_DIR)"/*.yaml; do
    [ -e "$file" ] || continue
    name=$(basename "$file")
    have=$(sha256sum "$file" | cut -d' ' -f1)
    want=$(awk -v n="$name" '$2 == n {print $1}' "$SRC/scripts/models.sha256")
    if [ -z "$want" ]; then say "model $name sha256 $have (not in scripts/models.sha256)"
    elif [ "$want" = "$have" ]; then say "model $name sha256 OK"
    else echo "install-system: error: model $name sha256 $have, expected $want" >&2; status=1; fi
  done
  return $status
}
if [ -n "$MODELS_FROM" ]; then
  [ -d "$MODELS_FROM" ] || die "--models $MODELS_FROM is not a folder"
  copied=0
  for file in "$MODELS_FROM"/yolo-v9-t-*-license-plate-end2end.onnx "$MODELS_FROM"/cct_xs_v2_global.onnx \
              "$MODELS_FROM"/cct_xs_v2_global_plate_config.yaml; do
    [ -e "$file" ] || continue
    target="$(r $MODELS_DIR)/$(basename "$file")"
    cmp -s "$file" "$target" || install -m 0640 -o 0 -g "$GID_NUM" "$file" "$target"
    copied=$((copied + 1))
  done
  [ "$copied" -ge 3 ] || die "$MODELS_FROM lacks the detector or the OCR model and its yaml"
elif ! compgen -G "$(r $MODELS_DIR)/*.onnx" >/dev/null; then
  say "no models yet: downloading fast-alpr's hub models (needs internet)"
  if "$(r $VENV)/bin/python" - "$(r $MODELS_DIR)" <<'EOF'
import pathlib, sys
from fast_plate_ocr.inference.hub import download_model as ocr
from open_image_models.detection.core.hub import download_model as detector
folder = pathlib.Path(sys.argv[1])
detector("yolo-v9-t-384-license-plate-end2end", save_directory=folder)
ocr("cct-xs-v2-global-model", save_directory=folder)
EOF
  then
    chown -R "0:$GID_NUM" "$(r $MODELS_DIR)"
    chmod 0640 "$(r $MODELS_DIR)"/*
  else
    say "WARNING: no models (offline?): Dozor records, but reads no plates until you run"
    say "         sudo make install-system MODELS=/path/to/models"
  fi
fi
verify_models || die "a model file is damaged or not the expected one; replace it and run again"

# ---- HTTPS: a self-signed certificate, made once ----
TLS_DIR="$STORAGE/tls"
if [ "$TLS" = yes ]; then
  install -d -m 0750 -o "$UID_NUM" -g "$GID_NUM" "$(r "$STORAGE")" "$(r "$TLS_DIR")"
  if [ -e "$(r "$TLS_DIR")/cert.pem" ] && [ -e "$(r "$TLS_DIR")/key.pem" ]; then
    say "keeping the existing certificate $TLS_DIR/cert.pem"
  else
    host=$(hostname)
    san="DNS:$host,DNS:$host.local,DNS:localhost,IP:127.0.0.1,IP:::1"
    for ip in $(hostname -I 2>/dev/null); do
      case ",$san," in *",IP:$ip,"*) ;; *) san="$san,IP:$ip" ;; esac
    done
    (umask 077 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -days 3650 -subj "/CN=$host" -addext "subjectAltName=$san" \
      -keyout "$(r "$TLS_DIR")/key.pem" -out "$(r "$TLS_DIR")/cert.pem" 2>/dev/null)
    chown "$UID_NUM:$GID_NUM" "$(r "$TLS_DIR")/key.pem" "$(r "$TLS_DIR")/cert.pem"
    chmod 0600 "$(r "$TLS_DIR")/key.pem"
    chmod 0644 "$(r "$TLS_DIR")/cert.pem"
    say "made a self-signed certificate for $san"
  fi
fi

# ---- the audit log's anchor file: the web service appends the log's head to it; append-only
# (chattr +a), so the dozor user can add lines but never rewrite, cut or delete them ----
ANCHOR="$STORAGE/audit-anchor.jsonl"
install -d -m 0750 -o "$UID_NUM" -g "$GID_NUM" "$(r "$STORAGE")"
[ -e "$(r "$ANCHOR")" ] || install -m 0600 -o "$UID_NUM" -g "$GID_NUM" /dev/null "$(r "$ANCHOR")"
if chattr +a "$(r "$ANCHOR")" 2>/dev/null; then
  say "the audit anchor $ANCHOR is append-only (chattr +a)"
else
  say "WARNING: $ANCHOR cannot be made append-only (a file system without attributes?): the"
  say "         audit log is anchored by the systemd journal only (README, Security: the audit log)"
fi

# ---- systemd units ----
for unit in "${UNITS[@]}"; do
  install -m 0644 -o 0 -g 0 "$SRC/systemd/$unit" "$(r $UNIT_DIR)/$unit"
done
for unit in "${UNITS[@]}"; do  # a data folder elsewhere must be writable inside the sandbox too
  dropin="$(r $UNIT_DIR)/$unit.d/storage.conf"
  if [ "$STORAGE" != "$DATA" ]; then
    install -d -m 0755 "$(dirname "$dropin")"
    printf '# Written by install-system.sh: [storage] path of %s\n[Service]\nReadWritePaths=%s\n' \
      "$CONFIG" "$STORAGE" > "$dropin"
  elif [ -e "$dropin" ]; then
    rm -f "$dropin"
    rmdir --ignore-fail-on-non-empty "$(dirname "$dropin")"
  fi
done
if [ -n "$ROOT" ]; then
  systemctl --root="$ROOT" enable "${UNITS[@]}" 2>/dev/null
elif [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable "${UNITS[@]}" 2>/dev/null
  for unit in "${UNITS[@]}"; do  # a re-run (an update) restarts what runs; a first install starts nothing
    if systemctl is-active --quiet "$unit"; then systemctl restart "$unit" && say "restarted $unit"; fi
  done
else
  systemctl enable "${UNITS[@]}" 2>/dev/null  # no systemd running (a container): links only
fi
say "units ${UNITS[*]} installed and enabled"

# ---- what the installer needs to know ----
if [ "$TLS" = yes ]; then
  fingerprint=$(openssl x509 -noout -fingerprint -sha256 -in "$(r "$TLS_DIR")/cert.pem" | cut -d= -f2)
  say "HTTPS certificate SHA-256 fingerprint (compare it with the browser's certificate viewer):"
  echo "    $fingerprint"
fi
cat <<EOF
install-system: done. Next steps:
  1. edit $CONFIG ([[cameras]]), then: dozor check-config $CONFIG
  2. the first admin: sudo -u $USER_NAME dozor user add NAME --role admin --config $CONFIG
  3. sudo systemctl start ${UNITS[*]}   (they start by themselves at boot)
  4. dozor status --config $CONFIG ; journalctl -u dozor -u dozor-web
EOF
