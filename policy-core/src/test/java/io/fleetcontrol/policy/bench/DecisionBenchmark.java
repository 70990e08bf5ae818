package io.fleetcontrol.policy.bench;

import io.fleetcontrol.policy.BandwidthRules;
import io.fleetcontrol.policy.BatteryRules;
import io.fleetcontrol.policy.CaptureDecision;
import io.fleetcontrol.policy.CaptureKind;
import io.fleetcontrol.policy.CaptureRequest;
import io.fleetcontrol.policy.CompiledPolicy;
import io.fleetcontrol.policy.Decision;
import io.fleetcontrol.policy.DeviceConditions;
import io.fleetcontrol.policy.DeviceTelemetry;
import io.fleetcontrol.policy.PauseRules;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.policy.Schedule;
import io.fleetcontrol.policy.TargetRule;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The gate's cost: one decision on a policy with a 200-entry allowlist (100 apps, 50 exact and
 * 50 wildcard sites), a 50-entry denylist, working hours, battery and bandwidth rules, cycling
 * through app hits, exact and wildcard site hits, denylist hits and misses. Not a test: run it by
 * hand (policy-core/README.md).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DecisionBenchmark {

  private CompiledPolicy compiled;
  private DeviceConditions device;
  private Instant now;
  private CaptureRequest[] requests;
  private int next;

  @Setup
  public void setUp() {
    List<TargetRule> allow = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      allow.add(TargetRule.app("com.vendor.app" + i));
      allow.add(TargetRule.site(i % 2 == 0 ? "*.work" + i + ".example.com" : "tool" + i + ".example.com"));
    }
    List<TargetRule> deny = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      deny.add(i % 2 == 0 ? TargetRule.site("*.private" + i + ".com") : TargetRule.app("com.personal.app" + i));
    }
    Schedule workingHours =
        new Schedule(EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY), LocalTime.of(8, 0), LocalTime.of(18, 0));
    Policy policy = new Policy("bench", 1, EnumSet.allOf(CaptureKind.class), allow, deny, PauseRules.DEFAULT,
        workingHours, new BandwidthRules(500_000_000, 5_000_000_000L, BandwidthRules.MeteredNetworkAction.DEFER, 0),
        new BatteryRules(20, true), Set.of("US"), Duration.ofHours(24), Duration.ofSeconds(30), "");
    compiled = CaptureDecision.compile(policy);
    now = Instant.parse("2026-11-23T15:00:00Z"); // Monday 10:00 in New York
    device = new DeviceConditions("US", ZoneId.of("America/New_York"), now.minusSeconds(10), io.fleetcontrol.policy.PolicyVersion.NONE, null, List.of(),
        new DeviceTelemetry(true, 80, true, false, 0, 0, 0, 0), 1_000_000, 20_000_000);
    requests = new CaptureRequest[] {
      CaptureRequest.inApp(CaptureKind.CLICKS, "com.vendor.app42"), // app hit
      CaptureRequest.onSite(CaptureKind.KEYSTROKES, "a.b.work10.example.com"), // wildcard hit, two levels down
      CaptureRequest.onSite(CaptureKind.POINTER, "tool7.example.com"), // exact site hit
      CaptureRequest.onSite(CaptureKind.CLICKS, "mail.private4.com"), // denylist wildcard hit
      CaptureRequest.inApp(CaptureKind.KEYSTROKES, "com.personal.app3"), // denylist app hit
      CaptureRequest.inApp(CaptureKind.SCREENSHOTS, "com.spotify.client"), // app miss
      CaptureRequest.onSite(CaptureKind.CLICKS, "news.example.org"), // site miss
      CaptureRequest.onSite(CaptureKind.SCREENSHOTS, "Docs.Work20.Example.com."), // wildcard hit, mixed case
    };
  }

  @Benchmark
  public Decision decide() {
    CaptureRequest request = requests[next];
    next = next + 1 == requests.length ? 0 : next + 1;
    return compiled.decide(device, now, request);
  }

  @Benchmark
  public Decision captureState() {
    return compiled.captureState(device, now);
  }
}
