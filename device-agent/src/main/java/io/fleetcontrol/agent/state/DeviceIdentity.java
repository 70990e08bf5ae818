package io.fleetcontrol.agent.state;

import java.util.Map;

/** Who this laptop is, as told to the controller at enrollment. */
public record DeviceIdentity(
    String deviceId, String owner, String jurisdiction, Map<String, String> labels, String timeZone) {

  public DeviceIdentity {
    labels = Map.copyOf(labels);
  }
}
