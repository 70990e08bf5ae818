package io.fleetcontrol.fleetctl;

import com.google.protobuf.Timestamp;
import io.fleetcontrol.proto.v1.AdminServiceClient;
import io.fleetcontrol.proto.v1.ApproveExemptionRequest;
import io.fleetcontrol.proto.v1.DenyExemptionRequest;
import io.fleetcontrol.proto.v1.Exemption;
import io.fleetcontrol.proto.v1.ExemptionStatus;
import io.fleetcontrol.proto.v1.ListExemptionsRequest;
import io.fleetcontrol.proto.v1.ListExemptionsResponse;
import io.fleetcontrol.proto.v1.RevokeExemptionRequest;
import io.fleetcontrol.wire.WireTime;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code fleetctl exemptions ...}: what employees asked to be exempted from, and the approvers'
 * decisions. The API names an exemption by device and id, so each verb takes {@code ID --device DEVICE}
 * or {@code DEVICE/ID}.
 */
@Command(
    name = "exemptions",
    description = "List exemption requests and approve, deny or revoke them.",
    subcommands = {
      ExemptionsCommand.ListExemptions.class, ExemptionsCommand.Approve.class,
      ExemptionsCommand.Deny.class, ExemptionsCommand.Revoke.class
    })
final class ExemptionsCommand {
  @Mixin HelpOption help;

  /** Exemptions per ListExemptions page. */
  static final int PAGE_SIZE = 500;

  /** Which exemption a verb is about. */
  record Target(String deviceId, String exemptionId) {
    @Override
    public String toString() {
      return deviceId + "/" + exemptionId;
    }
  }

  /** {@code DEVICE/ID}, or {@code ID} with {@code --device DEVICE}; both must agree when both are given. */
  static Target target(CommandSpec spec, String id, String device) {
    int slash = id.indexOf('/');
    if (slash < 0) {
      if (device == null || device.isEmpty()) {
        throw new ParameterException(spec.commandLine(),
            "name the device: --device DEVICE " + id + ", or DEVICE/" + id);
      }
      return new Target(device, id);
    }
    String fromId = id.substring(0, slash);
    String exemptionId = id.substring(slash + 1);
    if (fromId.isEmpty() || exemptionId.isEmpty()) {
      throw new ParameterException(spec.commandLine(), "expected DEVICE/ID, got '" + id + "'");
    }
    if (device != null && !device.equals(fromId)) {
      throw new ParameterException(spec.commandLine(),
          "'" + id + "' names device " + fromId + " but --device says " + device);
    }
    return new Target(fromId, exemptionId);
  }

  /** {@code --until}: an ISO-8601 instant, or a span from {@code now} such as 12h or 7d. */
  static Instant until(CommandSpec spec, String text, Instant now) {
    try {
      return OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException notAnInstant) {
      // A span, then.
    }
    Duration span;
    try {
      span = Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(),
          "--until must be an instant such as 2026-12-01T00:00:00Z or a span such as 12h or 7d, got '" + text + "'");
    }
    if (span.isNegative() || span.isZero()) {
      throw new ParameterException(spec.commandLine(), "--until must lie ahead, got '" + text + "'");
    }
    return now.plus(span);
  }

  /** One decided exemption: "approved dev-1/ex-1: approved until 2026-...", or its object for -o json|yaml. */
  static void printDecision(Fleetctl fleetctl, String verb, Exemption e) {
    OutputFormat format = fleetctl.options().output;
    if (format == OutputFormat.table) {
      String until = e.getStatus() == ExemptionStatus.EXEMPTION_STATUS_APPROVED && e.hasExpireTime()
          ? " until " + time(e.getExpireTime()) : "";
      fleetctl.out().printf("%s %s/%s: %s%s%n", verb, e.getDeviceId(), e.getExemptionId(),
          StateNames.of(e.getStatus()), until);
    } else {
      StructuredOutput.print(fleetctl.out(), format, e);
    }
  }

  /** To the second: a table has no room for nanoseconds. */
  private static String time(Timestamp t) {
    return WireTime.fromProto(t).truncatedTo(ChronoUnit.SECONDS).toString();
  }

  @Command(name = "list", description = "List exemptions, oldest request first, following pages.")
  static final class ListExemptions implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;

    @Option(names = "--status", paramLabel = "STATUS",
        converter = StateNames.ExemptionStatusConverter.class,
        completionCandidates = StateNames.ExemptionStatusWords.class,
        description = "Only exemptions in this status: ${COMPLETION-CANDIDATES} (default: all).")
    ExemptionStatus status;

    @Option(names = "--device", paramLabel = "ID", description = "Only this device's exemptions.")
    String device;

    @Mixin WatchOption watch;

    @Override
    public Integer call() throws Exception {
      return watch.run(Fleetctl.of(spec).out(), "fleetctl exemptions list", this::show);
    }

    private void show() {
      ListExemptionsRequest.Builder request = ListExemptionsRequest.newBuilder().setPageSize(PAGE_SIZE);
      if (status != null) {
        request.setStatus(status);
      }
      if (device != null) {
        request.setDeviceId(device);
      }
      Fleetctl fleetctl = Fleetctl.of(spec);
      List<Exemption> all = fetchAll(fleetctl.connection(), request.build());
      OutputFormat format = fleetctl.options().output;
      if (format == OutputFormat.table) {
        Table table = new Table("ID", "DEVICE", "SCOPE", "REASON", "STATUS", "REQUESTED", "EXPIRES", "DECIDED BY");
        for (Exemption e : all) {
          table.row(e.getExemptionId(), e.getDeviceId(), StateNames.of(e.getScope()), StateNames.of(e.getReason()),
              StateNames.of(e.getStatus()),
              e.hasRequestTime() ? time(e.getRequestTime()) : "-",
              e.hasExpireTime() ? time(e.getExpireTime()) : "-",
              e.getDecidedBy());
        }
        table.print(fleetctl.out(), "");
      } else {
        StructuredOutput.print(fleetctl.out(), format, ListExemptionsResponse.newBuilder().addAllExemptions(all).build());
      }
    }

    /** Follows next_page_token to the last page. */
    static List<Exemption> fetchAll(AdminConnection connection, ListExemptionsRequest first) {
      return Pages.collect(first, request -> connection.call(AdminServiceClient::listExemptions, request),
          ListExemptionsResponse::getExemptionsList, ListExemptionsResponse::getNextPageToken,
          (request, token) -> request.toBuilder().setPageToken(token).build(), Integer.MAX_VALUE);
    }
  }

  @Command(name = "approve", description = "Approve a requested exemption until a time; it then expires by itself.")
  static final class Approve implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;

    @Parameters(paramLabel = "ID", description = "The exemption id, or DEVICE/ID.")
    String id;

    @Option(names = "--device", paramLabel = "DEVICE", description = "The device that asked (unless ID is DEVICE/ID).")
    String device;

    @Option(names = "--until", required = true, paramLabel = "WHEN",
        description = "An ISO-8601 instant (2026-12-01T00:00:00Z) or a span from now (12h, 7d).")
    String until;

    @Override
    public Integer call() {
      Target target = target(spec, id, device);
      Instant expiry = until(spec, until, Instant.now());
      Fleetctl fleetctl = Fleetctl.of(spec);
      Exemption e = fleetctl.connection().call(AdminServiceClient::approveExemption, ApproveExemptionRequest.newBuilder()
          .setDeviceId(target.deviceId()).setExemptionId(target.exemptionId())
          .setExpireTime(WireTime.toProto(expiry))
          .build()).getExemption();
      printDecision(fleetctl, "approved", e);
      return ExitCodes.OK;
    }
  }

  @Command(name = "deny", description = "Deny a requested exemption, saying why.")
  static final class Deny implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;

    @Parameters(paramLabel = "ID", description = "The exemption id, or DEVICE/ID.")
    String id;

    @Option(names = "--device", paramLabel = "DEVICE", description = "The device that asked (unless ID is DEVICE/ID).")
    String device;

    @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why; the employee is told.")
    String reason;

    @Override
    public Integer call() {
      Target target = target(spec, id, device);
      if (reason.isBlank()) {
        throw new ParameterException(spec.commandLine(), "--reason must say why; the employee is told");
      }
      Fleetctl fleetctl = Fleetctl.of(spec);
      Exemption e = fleetctl.connection().call(AdminServiceClient::denyExemption, DenyExemptionRequest.newBuilder()
          .setDeviceId(target.deviceId()).setExemptionId(target.exemptionId()).setReason(reason).build()).getExemption();
      printDecision(fleetctl, "denied", e);
      return ExitCodes.OK;
    }
  }

  @Command(name = "revoke", description = "End an approved exemption now.")
  static final class Revoke implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;

    @Parameters(paramLabel = "ID", description = "The exemption id, or DEVICE/ID.")
    String id;

    @Option(names = "--device", paramLabel = "DEVICE", description = "The device it was granted to (unless ID is DEVICE/ID).")
    String device;

    @Option(names = "--reason", paramLabel = "TEXT", defaultValue = "", description = "Why; the employee is told.")
    String reason;

    @Override
    public Integer call() {
      Target target = target(spec, id, device);
      Fleetctl fleetctl = Fleetctl.of(spec);
      Exemption e = fleetctl.connection().call(AdminServiceClient::revokeExemption, RevokeExemptionRequest.newBuilder()
          .setDeviceId(target.deviceId()).setExemptionId(target.exemptionId()).setReason(reason).build()).getExemption();
      printDecision(fleetctl, "revoked", e);
      return ExitCodes.OK;
    }
  }
}
