package io.fleetcontrol.policy;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;

/**
 * Everything the decision needs to know about a device at one moment.
 *
 * @param jurisdiction ISO 3166-1 alpha-2 code of where the device is
 * @param timeZone the device's own zone: schedules and daily/monthly caps count in it
 * @param lastControllerContact when the agent last reached the controller (null: never)
 * @param noticeAcknowledged the policy version whose notice the employee acknowledged ({@link PolicyVersion#NONE}: none)
 * @param pauseEndsAt end of the active pause, or null when none
 * @param exemptions approved exemptions (expired ones are ignored by the decision)
 * @param uploadedBytesToday bytes uploaded during the device's current local day
 * @param uploadedBytesThisMonth bytes uploaded during the device's current local month
 */
public record DeviceConditions(
    String jurisdiction,
    ZoneId timeZone,
    Instant lastControllerContact,
    PolicyVersion noticeAcknowledged,
    Instant pauseEndsAt,
    List<Exemption> exemptions,
    DeviceTelemetry telemetry,
    long uploadedBytesToday,
    long uploadedBytesThisMonth) {

  public DeviceConditions {
    exemptions = List.copyOf(exemptions);
  }

  /** A device in {@code jurisdiction}, in contact at {@code lastContact}, with nothing else going on. */
  public static DeviceConditions basic(String jurisdiction, Instant lastContact) {
    return new DeviceConditions(jurisdiction, ZoneId.of("UTC"), lastContact, PolicyVersion.NONE, null, List.of(),
        DeviceTelemetry.UNKNOWN, 0, 0);
  }
}
