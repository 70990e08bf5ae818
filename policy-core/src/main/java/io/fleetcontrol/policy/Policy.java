package io.fleetcontrol.policy;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A versioned capture policy (DESIGN.md "Policy"). Versions are assigned by the server and only
 * grow. {@code schedule} is null when capture is not limited to working hours. Checked by
 * {@link PolicyValidator}; decided on by {@link CaptureDecision}.
 */
public record Policy(
    String name,
    long version,
    Set<CaptureKind> captureKinds,
    List<TargetRule> allowlist,
    List<TargetRule> denylist,
    PauseRules pause,
    Schedule schedule,
    BandwidthRules bandwidth,
    BatteryRules battery,
    Set<String> jurisdictions,
    Duration offlineLimit,
    Duration heartbeatInterval,
    String noticeText) {

  public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(10);
  public static final Duration DEFAULT_OFFLINE_LIMIT = Duration.ofHours(24);
  public static final Set<String> DEFAULT_JURISDICTIONS = Set.of("US");

  public Policy {
    captureKinds = captureKinds.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(captureKinds));
    allowlist = List.copyOf(allowlist);
    denylist = List.copyOf(denylist);
    // Kept in the order written, so a violation's index (jurisdictions[2]) points at what ops wrote.
    jurisdictions = Collections.unmodifiableSet(new LinkedHashSet<>(List.copyOf(jurisdictions)));
    noticeText = noticeText == null ? "" : noticeText;
  }

  /**
   * The policy a fresh deployment starts with: input events only (no screenshots), in a few
   * everyday work apps, never in password managers or personal mail, US only.
   */
  public static Policy starter(String name, long version) {
    return new Policy(
        name,
        version,
        EnumSet.of(
            CaptureKind.POINTER, CaptureKind.CLICKS, CaptureKind.KEYSTROKES, CaptureKind.MENU_SELECTIONS),
        List.of(
            TargetRule.app("com.microsoft.Excel"),
            TargetRule.app("com.microsoft.Word"),
            TargetRule.app("slack"),
            TargetRule.site("*.atlassian.net"),
            TargetRule.site("docs.google.com")),
        List.of(
            TargetRule.app("com.1password.1password"),
            TargetRule.app("com.bitwarden.desktop"),
            TargetRule.site("mail.google.com"),
            TargetRule.site("*.bank.com")),
        PauseRules.DEFAULT,
        null,
        BandwidthRules.UNLIMITED,
        BatteryRules.NONE,
        DEFAULT_JURISDICTIONS,
        DEFAULT_OFFLINE_LIMIT,
        DEFAULT_HEARTBEAT_INTERVAL,
        "");
  }

  public boolean requiresNotice() {
    return !noticeText.isBlank();
  }

  /** Which policy this is, at which version. */
  public PolicyVersion policyVersion() {
    return new PolicyVersion(name, version);
  }

  /** The same document as a new version; the server calls this when it stores an update. */
  public Policy withVersion(long newVersion) {
    return new Policy(name, newVersion, captureKinds, allowlist, denylist, pause, schedule, bandwidth,
        battery, jurisdictions, offlineLimit, heartbeatInterval, noticeText);
  }
}
