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

  /**
   * This identity with {@link SharedStrings}, for one that a device's state keeps: the entity and the
   * read side then hold one copy of its strings between them. Not for one just declared by a caller,
   * whose values are not yet accepted.
   */
  public DeviceIdentity shared() {
    return new DeviceIdentity(SharedStrings.of(deviceId), SharedStrings.of(owner), SharedStrings.of(jurisdiction),
        SharedStrings.of(labels), SharedStrings.of(agentVersion), SharedStrings.of(timeZone));
  }

  public DeviceIdentity withAgentVersion(String newAgentVersion) {
    return new DeviceIdentity(deviceId, owner, jurisdiction, labels, newAgentVersion, timeZone);
  }
}
