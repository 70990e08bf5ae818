package io.fleetcontrol.fleetctl;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fleetcontrol.fleetctl.PolicyValues.ByteRate;
import io.fleetcontrol.fleetctl.PolicyValues.ByteSize;
import io.fleetcontrol.fleetctl.PolicyValues.ClockTime;
import io.fleetcontrol.fleetctl.PolicyValues.Day;
import io.fleetcontrol.fleetctl.PolicyValues.Kind;
import io.fleetcontrol.fleetctl.PolicyValues.Metered;
import io.fleetcontrol.fleetctl.PolicyValues.Span;
import java.nio.file.Path;
import java.util.List;

/**
 * The policy file ops write by hand (fleetctl/examples/policy.yaml shows every key), as a plain
 * record tree: the file's shape and nothing else. {@link PolicyFileYaml} reads and writes it,
 * naming the key and line of what it cannot read; {@link PolicyFileMapping} maps it to and from
 * fleet.v1 Policy, so that printing a stored policy and reading it back gives the same proto.
 *
 * <p>Only the file's syntax is checked on this side: unknown keys, values that cannot be read.
 * Whether the policy keeps the rules (a pause under the hard cap, a valid pattern) is the server's
 * to say.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record PolicyFile(
    String name,
    // Printed by `policies get -o yaml`; the server assigns versions, so reading ignores it.
    Long version,
    String description,
    List<Kind> captureKinds,
    List<Target> allowlist,
    List<Target> denylist,
    Pause pause,
    WorkingHours schedule,
    Bandwidth bandwidth,
    Battery battery,
    List<String> jurisdictions,
    Span offlineLimit,
    Span heartbeatInterval,
    String notice) {

  /** An allowlist or denylist entry: one of app or site, and the kinds it covers (none: all). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Target(String app, String site, List<Kind> kinds) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Pause(Span maxPause, Integer pausesPerDay) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record WorkingHours(List<Day> days, ClockTime start, ClockTime end) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Bandwidth(ByteSize dailyUploadCap, ByteSize monthlyUploadCap, Metered meteredNetwork, ByteRate uploadRateLimit) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Battery(Integer minPercentUnplugged, Boolean screenshotsOnlyWhileCharging) {}

  /** The file cannot be read as a policy: one line naming the key, and its line in the file when known. */
  static final class FileError extends RuntimeException {
    private final Integer line;
    /** The key or list entry it is about ("pause.max_pause", "allowlist[3]"), to find its line; may be null. */
    private final String path;

    FileError(Integer line, String message) {
      this(line, null, message);
    }

    FileError(Integer line, String path, String message) {
      super(message);
      this.line = line;
      this.path = path;
    }

    /** The key or list entry it is about, or null. */
    String path() {
      return path;
    }

    /** "policy.yaml:12: unknown key 'pause.max'" as compilers print it, or without the line. */
    String describe(Path file) {
      return file + (line == null ? ": " : ":" + line + ": ") + getMessage();
    }
  }

  /** The same file without the server's version, to compare content. */
  PolicyFile withoutVersion() {
    return new PolicyFile(name, null, description, captureKinds, allowlist, denylist, pause, schedule, bandwidth,
        battery, jurisdictions, offlineLimit, heartbeatInterval, notice);
  }
}
