#!/usr/bin/env bash
# Installs the agent, after `mvn -B -q -DskipTests install`.
#
# install.sh: for the current user (the per-user mode: the agent runs as the employee). The jar and
#   its libraries under ~/.local/share/fleet-agent, the `fleet-agent` command in ~/.local/bin, the
#   systemd user unit, and an env file to fill in. Start it: systemctl --user enable --now fleet-agent
#
# sudo install.sh --system: the agent as its own system user, apart from the employee and the capture
#   tool. Makes the accounts fleet-agent and fleet-capture (the capture tools' group), installs under
#   /opt/fleet-agent with the command in /usr/local/bin, the system unit fleet-agent.service and
#   /etc/fleet-agent/agent.env (0640, readable by the agent) to fill in, FLEET_EMPLOYEE_USER included.
#   Then: usermod -aG fleet-capture <the capture tool's account>; systemctl enable --now fleet-agent.
#   FLEET_AGENT_PREFIX, FLEET_AGENT_ETC, FLEET_AGENT_UNIT_DIR and FLEET_AGENT_BIN_DIR move the
#   files, and FLEET_AGENT_ACCOUNTS=skip leaves accounts and file groups alone (for a package build
#   or a test).
set -euo pipefail
REPO_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
BUILD="$REPO_ROOT/device-agent/target"

if [[ ${1:-} == --system ]]; then
  PREFIX="${FLEET_AGENT_PREFIX:-/opt/fleet-agent}"
  ETC="${FLEET_AGENT_ETC:-/etc/fleet-agent}"
  UNIT_DIR="${FLEET_AGENT_UNIT_DIR:-/etc/systemd/system}"
  BIN_DIR="${FLEET_AGENT_BIN_DIR:-/usr/local/bin}"
  ACCOUNTS="${FLEET_AGENT_ACCOUNTS:-make}"
  if [[ ! -f $BUILD/device-agent.jar ]]; then
    echo "install.sh: $BUILD/device-agent.jar is missing; build it with: mvn -B -q -DskipTests install" >&2
    exit 1
  fi
  if [[ $ACCOUNTS != skip ]]; then
    if [[ $EUID -ne 0 ]]; then
      echo "install.sh --system: run as root (it makes the accounts fleet-agent and fleet-capture)" >&2
      exit 1
    fi
    getent group fleet-capture > /dev/null || groupadd --system fleet-capture
    id -u fleet-agent > /dev/null 2>&1 || useradd --system --user-group --home-dir /var/lib/fleet-agent \
      --no-create-home --shell /usr/sbin/nologin fleet-agent
  fi
  mkdir -p "$PREFIX/bin" "$PREFIX/lib" "$ETC" "$UNIT_DIR" "$BIN_DIR"
  cp "$BUILD/device-agent.jar" "$PREFIX/"
  rm -f "$PREFIX/lib/"*.jar
  cp "$BUILD/lib/"*.jar "$PREFIX/lib/"
  cp "$REPO_ROOT/README.md" "$PREFIX/"
  sed 's|^JAR=.*|JAR="${FLEET_AGENT_JAR:-'"$PREFIX"'/device-agent.jar}"|' "$REPO_ROOT/bin/fleet-agent" > "$PREFIX/bin/fleet-agent"
  chmod 755 "$PREFIX/bin/fleet-agent"
  ln -sf "$PREFIX/bin/fleet-agent" "$BIN_DIR/fleet-agent"
  sed -e "s|/opt/fleet-agent|$PREFIX|g" -e "s|/etc/fleet-agent|$ETC|g" \
    "$REPO_ROOT/deploy/agent/fleet-agent-system.service" > "$UNIT_DIR/fleet-agent.service"
  if [[ ! -f $ETC/agent.env ]]; then
    cp "$REPO_ROOT/deploy/agent/agent.env.example" "$ETC/agent.env"
    chmod 640 "$ETC/agent.env"
    if [[ $ACCOUNTS != skip ]]; then
      chgrp fleet-agent "$ETC/agent.env"
    fi
    echo "Fill in $ETC/agent.env (device id, owner, controller, enrollment token, FLEET_EMPLOYEE_USER)."
  fi
  echo "Installed. Let the capture tool's account ask the gate: usermod -aG fleet-capture <account>"
  echo "Start it with: systemctl daemon-reload && systemctl enable --now fleet-agent"
  echo "Then, as the employee: fleet-agent status"
  exit 0
fi
SHARE="${XDG_DATA_HOME:-$HOME/.local/share}/fleet-agent"
CONFIG="${XDG_CONFIG_HOME:-$HOME/.config}"
if [[ ! -f $BUILD/device-agent.jar ]]; then
  echo "install.sh: $BUILD/device-agent.jar is missing; build it with: mvn -B -q -DskipTests install" >&2
  exit 1
fi
mkdir -p "$SHARE/bin" "$SHARE/lib" "$HOME/.local/bin" "$CONFIG/systemd/user" "$CONFIG/fleet-agent"
cp "$BUILD/device-agent.jar" "$SHARE/"
rm -f "$SHARE/lib/"*.jar
cp "$BUILD/lib/"*.jar "$SHARE/lib/"
cp "$REPO_ROOT/README.md" "$SHARE/"
# The wrapper finds the installed jar, not the build tree.
sed 's|^JAR=.*|JAR="${FLEET_AGENT_JAR:-'"$SHARE"'/device-agent.jar}"|' "$REPO_ROOT/bin/fleet-agent" > "$SHARE/bin/fleet-agent"
chmod +x "$SHARE/bin/fleet-agent"
ln -sf "$SHARE/bin/fleet-agent" "$HOME/.local/bin/fleet-agent"
cp "$REPO_ROOT/deploy/agent/fleet-agent.service" "$CONFIG/systemd/user/fleet-agent.service"
if [[ ! -f $CONFIG/fleet-agent/agent.env ]]; then
  cp "$REPO_ROOT/deploy/agent/agent.env.example" "$CONFIG/fleet-agent/agent.env"
  chmod 600 "$CONFIG/fleet-agent/agent.env"
  echo "Fill in $CONFIG/fleet-agent/agent.env (device id, owner, controller, enrollment token)."
fi
echo "Installed. Start it with: systemctl --user daemon-reload && systemctl --user enable --now fleet-agent"
echo "Then: fleet-agent status"
