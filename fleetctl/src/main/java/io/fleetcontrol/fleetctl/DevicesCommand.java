package io.fleetcontrol.fleetctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Message;
import io.fleetcontrol.proto.v1.AdminServiceClient;
import io.fleetcontrol.proto.v1.AuditEvent;
import io.fleetcontrol.proto.v1.CaptureState;
import io.fleetcontrol.proto.v1.ConnectionState;
import io.fleetcontrol.proto.v1.Device;
import io.fleetcontrol.proto.v1.GetDeviceResponse;
import io.fleetcontrol.proto.v1.ListDevicesRequest;
import io.fleetcontrol.proto.v1.ListDevicesResponse;
import io.fleetcontrol.proto.v1.ResetDeviceRequest;
import io.fleetcontrol.proto.v1.ResetDeviceResponse;
import io.fleetcontrol.proto.v1.RevokeDeviceRequest;
import io.fleetcontrol.proto.v1.RevokeDeviceResponse;
import io.fleetcontrol.wire.WireTime;
import io.grpc.Status;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code fleetctl devices list|get|reset|revoke}: the control plane's view of enrolled laptops. */
@Command(
    name = "devices",
    description = "List, inspect, reset and revoke enrolled devices.",
    subcommands = {DevicesCommand.ListDevices.class, DevicesCommand.GetDevice.class,
        DevicesCommand.Reset.class, DevicesCommand.Revoke.class})
final class DevicesCommand {
  @Mixin HelpOption help;

  @Command(name = "list", description = "List devices, following pages until done or --limit.")
  static final class ListDevices implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;

    @Option(names = "--connection-state", paramLabel = "STATE",
        converter = StateNames.ConnectionStateConverter.class,
        completionCandidates = StateNames.ConnectionStateWords.class,
        description = "Only devices in this connection state: ${COMPLETION-CANDIDATES}.")
    ConnectionState connectionState;

    @Option(names = "--capture-state", paramLabel = "STATE",
        converter = StateNames.CaptureStateConverter.class,
        completionCandidates = StateNames.CaptureStateWords.class,
        description = "Only devices in this capture state: ${COMPLETION-CANDIDATES}.")
    CaptureState captureState;

    @Option(names = "--policy", paramLabel = "NAME", description = "Only devices that applied policy NAME (any version, or --policy-version).")
    String policy;

    @Option(names = "--policy-version", paramLabel = "N",
        description = "With --policy: only devices that applied version N of it (numbers repeat across policies).")
    Long policyVersion;

    @Option(names = "--jurisdiction", paramLabel = "CC", description = "Only devices in this ISO 3166-1 country, e.g. DE.")
    String jurisdiction;

    @Option(names = "--label", paramLabel = "KEY=VALUE", description = "Only devices with this label; repeat to require several.")
    List<String> labels = new ArrayList<>();

    @Option(names = "--seen-before", paramLabel = "AGO|TIME",
        description = "Only devices last heard from before this: a duration ago (24h, 7d) or an ISO time.")
    String seenBefore;

    @Option(names = "--seen-after", paramLabel = "AGO|TIME",
        description = "Only devices last heard from after this: a duration ago (15m, 1h) or an ISO time.")
    String seenAfter;

    @Mixin WatchOption watch;

    @Option(names = "--page-size", paramLabel = "N", defaultValue = "100",
        description = "Devices per request, 1..1000 (default: ${DEFAULT-VALUE}).")
    int pageSize;

    @Option(names = "--limit", paramLabel = "N", description = "Print at most N devices (default: all).")
    Integer limit;

    @Override
    public Integer call() throws Exception {
      Fleetctl fleetctl = Fleetctl.of(spec);
      request(); // usage errors before the first round
      return watch.run(fleetctl.out(), "fleetctl devices list", () -> {
        // Built again each round: "--seen-after 15m" moves with the clock.
        List<Device> devices = fetch(fleetctl.connection(), request(), limit == null ? Integer.MAX_VALUE : limit);
        OutputFormat format = fleetctl.options().output;
        if (format == OutputFormat.table) {
          printTable(fleetctl.out(), devices, Instant.now());
        } else {
          // One response holding every page's devices.
          StructuredOutput.print(fleetctl.out(), format, ListDevicesResponse.newBuilder().addAllDevices(devices).build());
        }
      });
    }

    /** "24h" means 24 hours ago; otherwise an ISO-8601 instant such as 2026-11-22T09:00:00Z. */
    private com.google.protobuf.Timestamp when(String option, String value) {
      Instant at;
      try {
        at = Instant.now().minus(Durations.parse(value));
      } catch (IllegalArgumentException notADuration) {
        try {
          at = Instant.parse(value);
        } catch (java.time.format.DateTimeParseException notATime) {
          throw new ParameterException(spec.commandLine(),
              option + " must be a duration ago (24h, 7d) or an ISO time (2026-11-22T09:00:00Z), got '" + value + "'");
        }
      }
      return WireTime.toProto(at);
    }

    /** Checks what picocli cannot, as usage errors (exit 2) before anything is sent. */
    private ListDevicesRequest request() {
      if (pageSize < 1 || pageSize > 1000) {
        throw new ParameterException(spec.commandLine(), "--page-size must be 1..1000, got " + pageSize);
      }
      if (limit != null && limit < 1) {
        throw new ParameterException(spec.commandLine(), "--limit must be at least 1, got " + limit);
      }
      // 0 means "any" on the wire, so it cannot be asked for.
      if (policyVersion != null && policyVersion < 1) {
        throw new ParameterException(spec.commandLine(), "--policy-version must be at least 1, got " + policyVersion);
      }
      if (policyVersion != null && policy == null) {
        throw new ParameterException(spec.commandLine(),
            "--policy-version needs --policy NAME: every policy has its own version " + policyVersion);
      }
      for (String label : labels) {
        if (label.indexOf('=') < 1) {
          throw new ParameterException(spec.commandLine(), "--label must be KEY=VALUE, got '" + label + "'");
        }
      }
      ListDevicesRequest.Builder request = ListDevicesRequest.newBuilder().setPageSize(pageSize).addAllLabels(labels);
      if (connectionState != null) {
        request.setConnectionState(connectionState);
      }
      if (captureState != null) {
        request.setCaptureState(captureState);
      }
      if (policy != null) {
        request.setAppliedPolicy(io.fleetcontrol.proto.v1.PolicyVersion.newBuilder()
            .setPolicyName(policy)
            .setVersion(policyVersion == null ? 0 : policyVersion));
      }
      if (jurisdiction != null) {
        // Country codes are upper case; accept "de" as people type it.
        request.setJurisdiction(jurisdiction.toUpperCase(Locale.ROOT));
      }
      if (seenBefore != null) {
        request.setLastSeenBefore(when("--seen-before", seenBefore));
      }
      if (seenAfter != null) {
        request.setLastSeenAfter(when("--seen-after", seenAfter));
      }
      return request.build();
    }

    /** Follows next_page_token until the last page or until {@code limit} devices are in hand. */
    static List<Device> fetch(AdminConnection connection, ListDevicesRequest first, int limit) {
      List<Device> devices = new ArrayList<>();
      Set<String> seenTokens = new HashSet<>();
      ListDevicesRequest request = first.toBuilder().setPageSize(Math.min(first.getPageSize(), limit)).build();
      while (true) {
        ListDevicesResponse page = connection.listDevices(request);
        devices.addAll(page.getDevicesList());
        String next = page.getNextPageToken();
        if (next.isEmpty() || devices.size() >= limit) {
          break;
        }
        // A server that hands back a token twice would keep this loop going forever.
        if (!seenTokens.add(next)) {
          throw Status.INTERNAL.withDescription("server repeated page token '" + next + "'").asRuntimeException();
        }
        int pageSize = Math.min(first.getPageSize(), limit - devices.size());
        request = request.toBuilder().setPageToken(next).setPageSize(pageSize).build();
      }
      return devices.size() > limit ? devices.subList(0, limit) : devices;
    }

    private static void printTable(PrintWriter out, List<Device> devices, Instant now) {
      Table table = new Table("DEVICE", "OWNER", "JURIS", "CONNECTION", "CAPTURE", "POLICY", "LAST SEEN");
      for (Device device : devices) {
        table.row(
            device.getDeviceId(),
            device.getOwner(),
            device.getJurisdiction(),
            StateNames.of(device.getConnectionState()),
            StateNames.of(device.getCaptureState()),
            Views.policy(device),
            device.hasLastSeenTime() ? RelativeTime.ago(WireTime.fromProto(device.getLastSeenTime()), now) : "-");
      }
      table.print(out, "");
    }
  }

  @Command(name = "get", description = "Show one device and its history.")
  static final class GetDevice implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;

    @Parameters(paramLabel = "ID", description = "The device id.")
    String deviceId;

    @Override
    public Integer call() {
      Fleetctl fleetctl = Fleetctl.of(spec);
      GetDeviceResponse response = fleetctl.connection().getDevice(deviceId);
      OutputFormat format = fleetctl.options().output;
      if (format == OutputFormat.table) {
        printTable(fleetctl.out(), response, Instant.now());
      } else {
        StructuredOutput.print(fleetctl.out(), format, response);
      }
      return ExitCodes.OK;
    }

    /** "key: value" lines named as the proto's fields, then the history as a table. */
    private static void printTable(PrintWriter out, GetDeviceResponse response, Instant now) {
      Device device = response.getDevice();
      ObjectNode fields = Views.device(device);
      int width = 0;
      for (Map.Entry<String, JsonNode> field : fields.properties()) {
        width = Math.max(width, field.getKey().length() + 1);
      }
      for (Map.Entry<String, JsonNode> field : fields.properties()) {
        String value = text(field.getValue());
        if (field.getKey().equals("last_seen_time") && device.hasLastSeenTime()) {
          value += " (" + RelativeTime.ago(WireTime.fromProto(device.getLastSeenTime()), now) + ")";
        }
        out.printf("%-" + width + "s %s%n", field.getKey() + ":", value);
      }
      if (response.getHistoryCount() > 0) {
        out.println("history:");
        Table history = new Table("TIME", "ACTOR", "ACTION", "DETAIL");
        for (AuditEvent event : response.getHistoryList()) {
          history.row(Views.isoTime(event.hasEventTime(), event.getEventTime()),
              event.getActor(), event.getAction(), event.getDetail());
        }
        history.print(out, "  ");
      }
    }

    /** Labels as "k=v, k2=v2"; null or empty as "-". */
    private static String text(JsonNode value) {
      if (value.isObject()) {
        String joined = value.properties().stream()
            .map(entry -> entry.getKey() + "=" + entry.getValue().asText())
            .collect(Collectors.joining(", "));
        return joined.isEmpty() ? "-" : joined;
      }
      return value.isNull() || value.asText().isEmpty() ? "-" : value.asText();
    }
  }

  /** An admin's decision about one device's identity: the id, a reason for the audit trail, one line out. */
  abstract static class IdentityDecision<R extends Message> implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;

    @Parameters(paramLabel = "ID", description = "The device id.")
    String deviceId;

    @Option(names = "--reason", paramLabel = "TEXT", defaultValue = "", description = "Why, for the audit trail.")
    String reason;

    /** Sends the decision; returns the controller's answer, which -o json|yaml prints. */
    abstract R send(AdminConnection connection);

    /** The device the answer names. */
    abstract String decided(R response);

    /** What happened, after "device X ". */
    abstract String done();

    @Override
    public Integer call() {
      Fleetctl fleetctl = Fleetctl.of(spec);
      R response = send(fleetctl.connection());
      if (fleetctl.options().output == OutputFormat.table) {
        fleetctl.out().println("device " + decided(response) + " " + done());
      } else {
        StructuredOutput.print(fleetctl.out(), fleetctl.options().output, response);
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "reset", description = "Let a device enroll again, e.g. a reinstalled laptop; its old credential is refused.")
  static final class Reset extends IdentityDecision<ResetDeviceResponse> {
    ResetDeviceResponse send(AdminConnection c) {
      return c.call(AdminServiceClient::resetDevice,
          ResetDeviceRequest.newBuilder().setDeviceId(deviceId).setReason(reason).build());
    }

    String decided(ResetDeviceResponse response) {
      return response.getDeviceId();
    }

    String done() {
      return "reset: it may enroll again; its old credential is refused";
    }
  }

  @Command(name = "revoke", description = "Cut a device off: its stream is closed and its credential refused.")
  static final class Revoke extends IdentityDecision<RevokeDeviceResponse> {
    RevokeDeviceResponse send(AdminConnection c) {
      return c.call(AdminServiceClient::revokeDevice,
          RevokeDeviceRequest.newBuilder().setDeviceId(deviceId).setReason(reason).build());
    }

    String decided(RevokeDeviceResponse response) {
      return response.getDeviceId();
    }

    String done() {
      return "revoked: its stream is closed and its credential refused";
    }
  }
}
