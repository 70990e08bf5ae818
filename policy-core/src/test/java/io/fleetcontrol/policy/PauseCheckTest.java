package io.fleetcontrol.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What an employee hears when a pause is refused. */
class PauseCheckTest {

  private static final ZoneId ZONE = ZoneId.of("Europe/London");
  private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
  private static final PauseRules THIRTY_MINUTES_THREE_A_DAY = new PauseRules(Duration.ofMinutes(30), 3);

  private static Optional<String> refusal(PauseRules rules, PauseQuota quota, Duration requested) {
    return PauseCheck.refusal(rules, quota, requested, NOW, ZONE);
  }

  @Test
  void aPauseUpToTheLongestIsAccepted() {
    assertEquals(Optional.empty(), refusal(THIRTY_MINUTES_THREE_A_DAY, PauseQuota.EMPTY, Duration.ofMinutes(30)));
    assertEquals(Optional.empty(), refusal(THIRTY_MINUTES_THREE_A_DAY, PauseQuota.EMPTY, Duration.ofSeconds(1)));
  }

  @Test
  void aPauseMustLastLongerThanZero() {
    for (Duration nothing : new Duration[] {Duration.ZERO, Duration.ofMinutes(-5), null}) {
      assertEquals(Optional.of("a pause must last longer than zero"),
          refusal(THIRTY_MINUTES_THREE_A_DAY, PauseQuota.EMPTY, nothing));
    }
  }

  @Test
  void aPauseAboveTheLongestIsRefusedNamingTheLongest() {
    assertEquals(Optional.of("a pause may last at most 30 minutes"),
        refusal(THIRTY_MINUTES_THREE_A_DAY, PauseQuota.EMPTY, Duration.ofMinutes(30).plusSeconds(1)));
    assertEquals(Optional.of("a pause may last at most 1 hour 30 minutes"),
        refusal(new PauseRules(Duration.ofMinutes(90), 0), PauseQuota.EMPTY, Duration.ofHours(2)));
    assertEquals(Optional.of("a pause may last at most 8 hours"),
        refusal(new PauseRules(PauseRules.HARD_CAP, 0), PauseQuota.EMPTY, Duration.ofHours(9)));
  }

  @Test
  void noPauseOnceTodaysAreUsedUp() {
    PauseQuota usedUp = new PauseQuota(NOW.atZone(ZONE).toLocalDate(), 3);
    assertEquals(Optional.of("no pauses left today (3 a day)"),
        refusal(THIRTY_MINUTES_THREE_A_DAY, usedUp, Duration.ofMinutes(5)));
    assertEquals(Optional.empty(), refusal(new PauseRules(Duration.ofMinutes(30), 0), usedUp, Duration.ofMinutes(5)));
    PauseQuota yesterday = new PauseQuota(NOW.atZone(ZONE).toLocalDate().minusDays(1), 3);
    assertEquals(Optional.empty(), refusal(THIRTY_MINUTES_THREE_A_DAY, yesterday, Duration.ofMinutes(5)));
  }

  private static final PausesLeft TWO = new PausesLeft(2);

  @Test
  void aPauseInForceRefusesAnotherAfterTheLengthIsChecked() {
    Instant until = NOW.plusSeconds(600);
    assertEquals(Optional.of(new PauseCheck.Refusal(PauseCheck.Rule.ALREADY_PAUSED,
        "capture is already paused until " + until)),
        PauseCheck.check(THIRTY_MINUTES_THREE_A_DAY, TWO, until, Duration.ofMinutes(5)));
    assertEquals(PauseCheck.Rule.TOO_LONG,
        PauseCheck.check(THIRTY_MINUTES_THREE_A_DAY, TWO, until, Duration.ofHours(2)).orElseThrow().rule());
  }

  @Test
  void withoutAPolicyOnlyTheSignOfTheLengthAndAPauseInForceAreChecked() {
    assertEquals(Optional.empty(), PauseCheck.check(null, PausesLeft.NONE, null, Duration.ofDays(3)));
    assertEquals(PauseCheck.Rule.NOT_POSITIVE, PauseCheck.check(null, null, null, Duration.ZERO).orElseThrow().rule());
    assertEquals(PauseCheck.Rule.ALREADY_PAUSED,
        PauseCheck.check(null, null, NOW, Duration.ofMinutes(1)).orElseThrow().rule());
  }

  @Test
  void anUnknownCountIsLeftToTheController() {
    assertEquals(Optional.empty(), PauseCheck.check(THIRTY_MINUTES_THREE_A_DAY, null, null, Duration.ofMinutes(5)));
    assertEquals(new PauseCheck.Refusal(PauseCheck.Rule.NONE_LEFT, "no pauses left today (3 a day)"),
        PauseCheck.check(THIRTY_MINUTES_THREE_A_DAY, PausesLeft.NONE, null, Duration.ofMinutes(5)).orElseThrow());
    assertEquals(Optional.empty(),
        PauseCheck.check(THIRTY_MINUTES_THREE_A_DAY, PausesLeft.UNLIMITED, null, Duration.ofMinutes(5)));
  }

  @Test
  void onlyTheLengthMakesABadRequest() {
    assertEquals(true, PauseCheck.Rule.NOT_POSITIVE.badRequest());
    assertEquals(true, PauseCheck.Rule.TOO_LONG.badRequest());
    assertEquals(false, PauseCheck.Rule.ALREADY_PAUSED.badRequest());
    assertEquals(false, PauseCheck.Rule.NONE_LEFT.badRequest());
  }
}
