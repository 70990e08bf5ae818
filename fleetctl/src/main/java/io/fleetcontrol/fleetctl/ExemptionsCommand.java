package io.fleetcontrol.fleetctl;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Timestamp;
import io.fleetcontrol.proto.v1.AdminServiceClient;
import io.fleetcontrol.proto.v1.ApproveExemptionRequest;
import io.fleetcontrol.proto.v1.DenyExemptionRequest;
import io.fleetcontrol.proto.v1.Exemption;
import io.fleetcontrol.proto.v1.ExemptionStatus;
import io.fleetcontrol.proto.v1.ListExemptionsRequest;
import io.fleetcontrol.proto.v1.ListExemptionsResponse;
import io.fleetcontrol.proto.v1.RevokeExemptionRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code fleetctl exemptions ...}: what employees asked to be exempted from, and the decisions. */
@Command(
    name = "exemptions",
    description = "List exemption requests and approve, deny or revoke them.",
    subcommands = {
      ExemptionsCommand.ListExemptions.class, ExemptionsCommand.Approve.class,
      ExemptionsCommand.Deny.class, ExemptionsCommand.Revoke.class
    })
final class ExemptionsCommand {
  @Mixin HelpOption help;

  private static final Pattern RELATIVE = Pattern.compile("(\\d+)([mhd])");

  /** "DEVICE/ID" or ID with --device. */
  static String[] target(CommandSpec spec, String id, String device) {
    int slash = id.indexOf('/');
    if (slash > 0) {
      return new String[] {id.substring(0, slash), id.substring(slash + 1)};
    }
    if (device == null) {
      throw new ParameterException(spec.commandLine(), "name the device: --device DEVICE, or DEVICE/" + id);
    }
    return new String[] {device, id};
  }

  static void printOne(Fleetctl fleetctl, String verb, Exemption e) {
    OutputFormat format = fleetctl.options().output;
    if (format == OutputFormat.table) {
      fleetctl.out().printf("%s %s/%s: %s%n", verb, e.getDeviceId(), e.getExemptionId(), status(e.getStatus()));
    } else {
      StructuredOutput.print(fleetctl.out(), format, view(e));
    }
  }

  static String status(ExemptionStatus s) {
    return s.name().replace("EXEMPTION_STATUS_", "").toLowerCase(Locale.ROOT);
  }

  static ObjectNode view(Exemption e) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("device_id", e.getDeviceId());
    node.put("exemption_id", e.getExemptionId());
    node.put("scope", e.getScope().name().replace("EXEMPTION_SCOPE_", "").toLowerCase(Locale.ROOT));
    node.put("reason", e.getReason().name().replace("EXEMPTION_REASON_", "").toLowerCase(Locale.ROOT));
    node.put("comment", e.getComment());
    node.put("status", status(e.getStatus()));
    node.put("request_time", Views.isoTime(e.hasRequestTime(), e.getRequestTime()));
    node.put("expire_time", e.hasExpireTime() ? Views.isoTime(true, e.getExpireTime()) : null);
    node.put("decided_by", e.getDecidedBy().isEmpty() ? null : e.getDecidedBy());
    node.put("decision_reason", e.getDecisionReason().isEmpty() ? null : e.getDecisionReason());
    return node;
  }

  @Command(name = "list", description = "List exemptions, following pages.")
  static final class ListExemptions implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;

    @Option(names = "--status", paramLabel = "STATUS",
        description = "requested, approved, denied, revoked or expired (default: all).")
    String status;

    @Option(names = "--device", paramLabel = "ID", description = "Only this device's exemptions.")
    String device;

    @Override
    public Integer call() {
      ListExemptionsRequest.Builder request = ListExemptionsRequest.newBuilder().setPageSize(500);
      if (status != null) {
        try {
          request.setStatus(ExemptionStatus.valueOf("EXEMPTION_STATUS_" + status.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
          throw new ParameterException(spec.commandLine(),
              "--status must be requested, approved, denied, revoked or expired, got '" + status + "'");
        }
      }
      if (device != null) {
        request.setDeviceId(device);
      }
      Fleetctl fleetctl = Fleetctl.of(spec);
      List<Exemption> all = new ArrayList<>();
      while (true) {
        ListExemptionsResponse page = fleetctl.connection().call(AdminServiceClient::listExemptions, request.build());
        all.addAll(page.getExemptionsList());
        if (page.getNextPageToken().isEmpty() || page.getNextPageToken().equals(request.getPageToken())) {
          break;
        }
        request.setPageToken(page.getNextPageToken());
      }
      OutputFormat format = fleetctl.options().output;
      if (format == OutputFormat.table) {
        Table table = new Table("ID", "DEVICE", "SCOPE", "REASON", "STATUS", "REQUESTED", "EXPIRES", "DECIDED BY");
        for (Exemption e : all) {
          var v = view(e);
          table.row(e.getExemptionId(), e.getDeviceId(), v.get("scope").asText(), v.get("reason").asText(),
              v.get("status").asText(), v.get("request_time").asText(),
              e.hasExpireTime() ? v.get("expire_time").asText() : "-",
              e.getDecidedBy().isEmpty() ? "-" : e.getDecidedBy());
        }
        table.print(fleetctl.out(), "");
      } else {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        var array = out.putArray("exemptions");
        all.forEach(e -> array.add(view(e)));
        out.put("count", all.size());
        StructuredOutput.print(fleetctl.out(), format, out);
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "approve", description = "Approve a requested exemption until a time.")
  static final class Approve implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;

    @Parameters(paramLabel = "ID", description = "Exemption id, or DEVICE/ID.") String id;
    @Option(names = "--device", paramLabel = "DEVICE") String device;
    @Option(names = "--until", required = true, paramLabel = "WHEN",
        description = "An ISO-8601 instant (2026-12-01T00:00:00Z) or a span from now (12h, 7d).")
    String until;

    @Override
    public Integer call() {
      String[] t = target(spec, id, device);
      Instant expiry = until(spec, until, Instant.now());
      Fleetctl fleetctl = Fleetctl.of(spec);
      Exemption e = fleetctl.connection().call(AdminServiceClient::approveExemption, ApproveExemptionRequest.newBuilder()
          .setDeviceId(t[0]).setExemptionId(t[1])
          .setExpireTime(Timestamp.newBuilder().setSeconds(expiry.getEpochSecond()).setNanos(expiry.getNano()))
          .build()).getExemption();
      printOne(fleetctl, "approved", e);
      return ExitCodes.OK;
    }
  }

  static Instant until(CommandSpec spec, String text, Instant now) {
    Matcher m = RELATIVE.matcher(text);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return now.plus(switch (m.group(2)) {
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      });
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw new ParameterException(spec.commandLine(),
          "--until must be an instant like 2026-12-01T00:00:00Z or a span like 12h or 7d, got '" + text + "'");
    }
  }

  @Command(name = "deny", description = "Deny a requested exemption, saying why.")
  static final class Deny implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;

    @Parameters(paramLabel = "ID", description = "Exemption id, or DEVICE/ID.") String id;
    @Option(names = "--device", paramLabel = "DEVICE") String device;
    @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Told to the employee.")
    String reason;

    @Override
    public Integer call() {
      String[] t = target(spec, id, device);
      Fleetctl fleetctl = Fleetctl.of(spec);
      Exemption e = fleetctl.connection().call(AdminServiceClient::denyExemption, DenyExemptionRequest.newBuilder()
          .setDeviceId(t[0]).setExemptionId(t[1]).setReason(reason).build()).getExemption();
      printOne(fleetctl, "denied", e);
      return ExitCodes.OK;
    }
  }

  @Command(name = "revoke", description = "End an approved exemption now.")
  static final class Revoke implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;

    @Parameters(paramLabel = "ID", description = "Exemption id, or DEVICE/ID.") String id;
    @Option(names = "--device", paramLabel = "DEVICE") String device;
    @Option(names = "--reason", paramLabel = "TEXT", defaultValue = "", description = "Told to the employee.")
    String reason;

    @Override
    public Integer call() {
      String[] t = target(spec, id, device);
      Fleetctl fleetctl = Fleetctl.of(spec);
      Exemption e = fleetctl.connection().call(AdminServiceClient::revokeExemption, RevokeExemptionRequest.newBuilder()
          .setDeviceId(t[0]).setExemptionId(t[1]).setReason(reason).build()).getExemption();
      printOne(fleetctl, "revoked", e);
      return ExitCodes.OK;
    }
  }
}
