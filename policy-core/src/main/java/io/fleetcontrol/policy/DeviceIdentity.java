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

  /** The strings are {@link SharedStrings}: an entity and the read side hold one copy between them. */
  public DeviceIdentity {
    deviceId = SharedStrings.of(deviceId);
    owner = SharedStrings.of(owner);
    jurisdiction = SharedStrings.of(jurisdiction);
    labels = SharedStrings.of(labels);
    agentVersion = SharedStrings.of(agentVersion);
    timeZone = SharedStrings.of(timeZone);
  }

  public DeviceIdentity withAgentVersion(String newAgentVersion) {
    return new DeviceIdentity(deviceId, owner, jurisdiction, labels, newAgentVersion, timeZone);
  }
}
