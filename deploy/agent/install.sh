#!/usr/bin/env bash
# Installs the agent for the current user: the jar and its libraries under ~/.local/share/fleet-agent,
# the `fleet-agent` command in ~/.local/bin, the systemd user unit, and an env file to fill in.
# Run after `mvn -B -q -DskipTests install`. Start it with: systemctl --user enable --now fleet-agent
set -euo pipefail
REPO_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
BUILD="$REPO_ROOT/device-agent/target"
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
