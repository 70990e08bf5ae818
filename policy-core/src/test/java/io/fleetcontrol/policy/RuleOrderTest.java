package io.fleetcontrol.policy;

import static io.fleetcontrol.policy.DeviceBuilder.NOW;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fleetcontrol.policy.BandwidthRules.MeteredNetworkAction;
import io.fleetcontrol.policy.Decision.Rule;
import java.time.DayOfWeek;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The order of the rules, first match wins: a device and a request that break every rule at
 * once, fixed one rule at a time. After each fix the next rule in DESIGN.md's order answers.
 */
class RuleOrderTest {

  private record Step(String fix, Consumer<Scenario> apply, Rule expectedRule, CaptureState expectedState) {}

  /** What the steps change: the policy (null: none yet) and the device. */
  private static final class Scenario {
    PolicyBuilder policy;
    DeviceBuilder device = DeviceBuilder.device();
  }

  private static final CaptureRequest SCREENSHOT_OF_CHAT = CaptureRequest.onSite(CaptureKind.SCREENSHOTS, "chat.example.com");

  @Test
  void eachRuleAnswersOnlyWhenEveryEarlierOneIsSatisfied() {
    Scenario s = new Scenario();
    // Everything wrong: no notice acknowledged, abroad, fully exempt, never online, paused, a
    // Saturday-only schedule, a flat battery, over the daily cap on a blocked metered network; the
    // request is denylisted, not allowlisted, of a disabled kind, partly exempt, and unplugged.
    s.device.noticeAcknowledged(0).in("DE").lastContact(null).pausedUntil(NOW.plusSeconds(600))
        .exemptions(new Exemption("full", ExemptionScope.FULL, null), new Exemption("shots", ExemptionScope.NO_SCREENSHOTS, null))
        .battery(5, false, true).uploaded(2_000, 2_000);

    List<Step> steps = new ArrayList<>();
    steps.add(new Step("a policy arrives", x -> x.policy = PolicyBuilder.policy().notice("We record your work.")
        .version(3).schedule(new Schedule(EnumSet.of(DayOfWeek.SATURDAY), LocalTime.of(8, 0), LocalTime.of(18, 0)))
        .battery(new BatteryRules(20, true)).bandwidth(new BandwidthRules(1_000, 0, MeteredNetworkAction.BLOCK, 0))
        .kinds(CaptureKind.CLICKS).allow(TargetRule.app("slack")).deny(TargetRule.site("*.example.com")),
        Rule.NOTICE_PENDING, CaptureState.NOTICE_PENDING));
    steps.add(new Step("notice acknowledged", x -> x.device.noticeAcknowledged(3), Rule.JURISDICTION, CaptureState.REGION_BLOCKED));
    steps.add(new Step("back in the US", x -> x.device.in("US"), Rule.FULL_EXEMPTION, CaptureState.EXEMPT));
    steps.add(new Step("full exemption revoked",
        x -> x.device.exemptions(new Exemption("shots", ExemptionScope.NO_SCREENSHOTS, null)),
        Rule.OFFLINE_LIMIT, CaptureState.OFFLINE_FAIL_CLOSED));
    steps.add(new Step("online", x -> x.device.lastContact(NOW), Rule.PAUSE, CaptureState.PAUSED));
    steps.add(new Step("pause over", x -> x.device.pausedUntil(null), Rule.SCHEDULE, CaptureState.OUTSIDE_SCHEDULE));
    steps.add(new Step("weekday schedule", x -> x.policy.schedule(
        new Schedule(EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY), LocalTime.of(8, 0), LocalTime.of(18, 0))),
        Rule.BATTERY, CaptureState.BATTERY_LOW));
    steps.add(new Step("battery charged, still unplugged", x -> x.device.battery(90, false, true),
        Rule.BANDWIDTH, CaptureState.BANDWIDTH_CAPPED));
    steps.add(new Step("a new day", x -> x.device.uploaded(0, 2_000), Rule.BANDWIDTH, CaptureState.BANDWIDTH_CAPPED));
    steps.add(new Step("off the metered network", x -> x.device.battery(90, false, false), Rule.DENYLIST, CaptureState.ACTIVE));
    steps.add(new Step("denylist entry removed", x -> x.policy.deny(), Rule.NOT_ON_ALLOWLIST, CaptureState.ACTIVE));
    steps.add(new Step("site allowlisted", x -> x.policy.allow(TargetRule.site("*.example.com")),
        Rule.KIND_DISABLED, CaptureState.ACTIVE));
    steps.add(new Step("screenshots enabled", x -> x.policy.kinds(CaptureKind.CLICKS, CaptureKind.SCREENSHOTS),
        Rule.PARTIAL_EXEMPTION, CaptureState.ACTIVE));
    steps.add(new Step("partial exemption revoked", x -> x.device.exemptions(), Rule.BATTERY, CaptureState.ACTIVE));
    steps.add(new Step("plugged in", x -> x.device.battery(90, true, false), Rule.ALLOWED, CaptureState.ACTIVE));

    Decision before = CaptureDecision.decide(null, s.device.build(), NOW, SCREENSHOT_OF_CHAT);
    assertEquals(Rule.NO_POLICY, before.rule());
    for (Step step : steps) {
      step.apply.accept(s);
      Decision d = CaptureDecision.decide(s.policy.build(), s.device.build(), NOW, SCREENSHOT_OF_CHAT);
      assertEquals(step.expectedRule, d.rule(), "after: " + step.fix + " (" + d.reason() + ")");
      assertEquals(step.expectedState, d.state(), "after: " + step.fix);
      assertEquals(step.expectedRule == Rule.ALLOWED, d.allowed(), "after: " + step.fix);
    }
  }
}
