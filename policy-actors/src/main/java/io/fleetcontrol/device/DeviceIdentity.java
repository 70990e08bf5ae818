package io.fleetcontrol.device;

import java.util.Map;

/** Who and where a device is, as the agent declared it at enrollment. */
public record DeviceIdentity(
    String deviceId,
    String owner,
    String jurisdiction,
    Map<String, String> labels,
    String agentVersion,
    String timeZone) {

  public DeviceIdentity {
    labels = Map.copyOf(labels);
  }
}
