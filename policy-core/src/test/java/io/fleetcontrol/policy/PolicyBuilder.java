package io.fleetcontrol.policy;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** A valid policy to start from, changed one field at a time by each test. */
final class PolicyBuilder {

  private String name = "eng";
  private long version = 3;
  private Set<CaptureKind> kinds = EnumSet.allOf(CaptureKind.class);
  private List<TargetRule> allow = List.of(
      TargetRule.app("com.microsoft.Excel"),
      TargetRule.site("*.atlassian.net"),
      TargetRule.site("docs.google.com", CaptureKind.CLICKS, CaptureKind.POINTER));
  private List<TargetRule> deny = List.of(TargetRule.site("mail.google.com"), TargetRule.app("com.1password.1password"));
  private PauseRules pause = PauseRules.DEFAULT;
  private Schedule schedule;
  private BandwidthRules bandwidth = BandwidthRules.UNLIMITED;
  private BatteryRules battery = BatteryRules.NONE;
  private Set<String> jurisdictions = Set.of("US");
  private Duration offlineLimit = Duration.ofHours(24);
  private Duration heartbeat = Duration.ofSeconds(30);
  private String notice = "";

  static PolicyBuilder policy() {
    return new PolicyBuilder();
  }

  PolicyBuilder name(String value) {
    name = value;
    return this;
  }

  PolicyBuilder version(long value) {
    version = value;
    return this;
  }

  PolicyBuilder kinds(CaptureKind... values) {
    kinds = values.length == 0 ? Set.of() : EnumSet.of(values[0], values);
    return this;
  }

  PolicyBuilder allow(TargetRule... rules) {
    return allow(List.of(rules));
  }

  PolicyBuilder allow(List<TargetRule> rules) {
    allow = rules;
    return this;
  }

  PolicyBuilder deny(TargetRule... rules) {
    return deny(List.of(rules));
  }

  PolicyBuilder deny(List<TargetRule> rules) {
    deny = rules;
    return this;
  }

  PolicyBuilder pause(PauseRules value) {
    pause = value;
    return this;
  }

  PolicyBuilder schedule(Schedule value) {
    schedule = value;
    return this;
  }

  PolicyBuilder bandwidth(BandwidthRules value) {
    bandwidth = value;
    return this;
  }

  PolicyBuilder battery(BatteryRules value) {
    battery = value;
    return this;
  }

  PolicyBuilder jurisdictions(String... codes) {
    jurisdictions = new java.util.LinkedHashSet<>(List.of(codes));
    return this;
  }

  PolicyBuilder offlineLimit(Duration value) {
    offlineLimit = value;
    return this;
  }

  PolicyBuilder heartbeat(Duration value) {
    heartbeat = value;
    return this;
  }

  PolicyBuilder notice(String value) {
    notice = value;
    return this;
  }

  Policy build() {
    return new Policy(name, version, kinds, allow, deny, pause, schedule, bandwidth, battery, jurisdictions,
        offlineLimit, heartbeat, notice);
  }
}
