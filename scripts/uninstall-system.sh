#!/usr/bin/env bash
# Removes the appliance install (`sudo make uninstall-system`): stops and removes the systemd units, the
# venv under /opt/dozor, the `dozor` command link and the `dozor` user. Recordings, plates, accounts
# and the audit log (/var/lib/dozor) and the config (/etc/dozor) stay, since they are evidence and a
# site's settings, unless PURGE=1 (`sudo make uninstall-system PURGE=1`) removes them too.
# DOZOR_ROOT=/tmp/x works on another root, as for install-system.sh (tests).
set -euo pipefail

ROOT="${DOZOR_ROOT:-}"
ROOT="${ROOT%/}"
PURGE="${PURGE:-0}"
UNITS=(dozor.service dozor-web.service)
USER_NAME=dozor
r() { echo "$ROOT$1"; }
say() { echo "uninstall-system: $*"; }

[ "$(id -u)" -eq 0 ] || { echo "uninstall-system: run as root (sudo make uninstall-system)" >&2; exit 1; }

if [ -z "$ROOT" ] && [ -d /run/systemd/system ]; then
  systemctl disable --now "${UNITS[@]}" 2>/dev/null || true
elif [ -n "$ROOT" ]; then
  systemctl --root="$ROOT" disable "${UNITS[@]}" 2>/dev/null || true
else
  systemctl disable "${UNITS[@]}" 2>/dev/null || true
fi
for unit in "${UNITS[@]}"; do
  rm -rf "$(r /etc/systemd/system)/$unit" "$(r /etc/systemd/system)/$unit.d"
done
[ -z "$ROOT" ] && [ -d /run/systemd/system ] && systemctl daemon-reload
say "units removed"

rm -rf "$(r /opt/dozor)"
[ -L "$(r /usr/local/bin/dozor)" ] && rm -f "$(r /usr/local/bin/dozor)"
say "code removed (/opt/dozor)"

if [ "$PURGE" = 1 ]; then
  # the audit anchor is append-only (chattr +a): even root must lift that before deleting it
  find "$(r /var/lib/dozor)" -maxdepth 1 -name audit-anchor.jsonl -exec chattr -a {} + 2>/dev/null || true
  rm -rf "$(r /var/lib/dozor)" "$(r /etc/dozor)"
  say "PURGE=1: recordings, plates, accounts, audit log and config deleted"
else
  say "kept /var/lib/dozor (recordings, plates, accounts, audit log) and /etc/dozor; PURGE=1 deletes them"
fi

if grep -q "^$USER_NAME:" "$(r /etc/passwd)" 2>/dev/null; then
  prefix=()
  [ -n "$ROOT" ] && prefix=(--prefix "$ROOT")
  userdel "${prefix[@]}" "$USER_NAME"
  # userdel drops the user's own group only where login.defs says USERGROUPS_ENAB yes
  if grep -q "^$USER_NAME:" "$(r /etc/group)" 2>/dev/null; then groupdel "${prefix[@]}" "$USER_NAME"; fi
  say "user $USER_NAME removed (kept files now show its old uid; a new install-system takes them back)"
fi
