package io.fleetcontrol.policy;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;

/** A device in New York that may capture at {@link #NOW}, changed one field at a time by each test. */
final class DeviceBuilder {

  /** Monday 2026-11-23, 10:00 in New York. */
  static final Instant NOW = Instant.parse("2026-11-23T15:00:00Z");
  static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

  private String jurisdiction = "US";
  private ZoneId zone = NEW_YORK;
  private Instant lastContact = NOW.minusSeconds(5);
  private PolicyVersion noticeAcknowledged = PolicyVersion.NONE;
  private Instant pauseEndsAt;
  private List<Exemption> exemptions = List.of();
  private DeviceTelemetry telemetry = battery(80, false);
  private long uploadedToday;
  private long uploadedThisMonth;

  static DeviceBuilder device() {
    return new DeviceBuilder();
  }

  static DeviceTelemetry battery(int percent, boolean charging) {
    return new DeviceTelemetry(true, percent, charging, false, 0, 0, 0, 0);
  }

  DeviceBuilder in(String value) {
    jurisdiction = value;
    return this;
  }

  DeviceBuilder zone(ZoneId value) {
    zone = value;
    return this;
  }

  DeviceBuilder lastContact(Instant value) {
    lastContact = value;
    return this;
  }

  /** The notice of the builder's default policy ({@code eng}) at {@code version}; 0 for none. */
  DeviceBuilder noticeAcknowledged(long version) {
    return noticeAcknowledged(version == 0 ? PolicyVersion.NONE : new PolicyVersion("eng", version));
  }

  DeviceBuilder noticeAcknowledged(PolicyVersion version) {
    noticeAcknowledged = version;
    return this;
  }

  DeviceBuilder pausedUntil(Instant value) {
    pauseEndsAt = value;
    return this;
  }

  DeviceBuilder exemptions(Exemption... values) {
    exemptions = List.of(values);
    return this;
  }

  DeviceBuilder telemetry(DeviceTelemetry value) {
    telemetry = value;
    return this;
  }

  DeviceBuilder battery(int percent, boolean charging, boolean metered) {
    telemetry = new DeviceTelemetry(true, percent, charging, metered, 0, 0, 0, 0);
    return this;
  }

  DeviceBuilder uploaded(long today, long thisMonth) {
    uploadedToday = today;
    uploadedThisMonth = thisMonth;
    return this;
  }

  DeviceConditions build() {
    return new DeviceConditions(jurisdiction, zone, lastContact, noticeAcknowledged, pauseEndsAt, exemptions,
        telemetry, uploadedToday, uploadedThisMonth);
  }
}
