package io.fleetcontrol.policy;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * A versioned capture policy. This is the walking-skeleton subset of DESIGN.md's policy: the
 * rules the decision needs so far. Lists, pause, schedule, bandwidth and battery rules follow.
 */
public record Policy(
    String name,
    long version,
    Set<CaptureKind> captureKinds,
    Set<String> jurisdictions,
    Duration offlineLimit,
    Duration heartbeatInterval,
    String noticeText) {

  public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(10);
  public static final Duration DEFAULT_OFFLINE_LIMIT = Duration.ofHours(24);

  public Policy {
    captureKinds = captureKinds.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(captureKinds));
    jurisdictions = Set.copyOf(jurisdictions);
    noticeText = noticeText == null ? "" : noticeText;
  }

  /** The policy a fresh deployment starts with: input events only, no screenshots, US only. */
  public static Policy starter(String name, long version) {
    return new Policy(
        name,
        version,
        EnumSet.of(
            CaptureKind.POINTER, CaptureKind.CLICKS, CaptureKind.KEYSTROKES, CaptureKind.MENU_SELECTIONS),
        Set.of("US"),
        DEFAULT_OFFLINE_LIMIT,
        DEFAULT_HEARTBEAT_INTERVAL,
        "");
  }

  public boolean requiresNotice() {
    return !noticeText.isBlank();
  }
}
