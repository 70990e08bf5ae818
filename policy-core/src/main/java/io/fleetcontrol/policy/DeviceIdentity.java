package io.fleetcontrol.policy;

import java.util.Map;

/**
 * Who and where a device is, as its agent declares it at enrollment (labels and jurisdiction may
 * be overridden by the enrollment token).
 *
 * @param jurisdiction ISO 3166-1 alpha-2 code
 * @param timeZone IANA zone id; the device's local day (pause quota, upload counters) follows it
 */
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

  public DeviceIdentity withAgentVersion(String newAgentVersion) {
    return new DeviceIdentity(deviceId, owner, jurisdiction, labels, newAgentVersion, timeZone);
  }
}
