package io.fleetcontrol.fleetctl;

import io.fleetcontrol.proto.v1.AdminServiceClient;
import io.fleetcontrol.proto.v1.AuditEvent;
import io.fleetcontrol.proto.v1.ListAuditEventsRequest;
import io.fleetcontrol.proto.v1.ListAuditEventsResponse;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code fleetctl audit list}: who changed what and when: admin changes, pauses, exemptions. */
@Command(
    name = "audit",
    description = "The audit trail: every admin change, pause and exemption, with who and when.",
    subcommands = {AuditCommand.ListAudit.class})
final class AuditCommand {
  @Mixin HelpOption help;

  @Command(name = "list", description = "List audit events, newest first, following pages until --limit.")
  static final class ListAudit implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;
    @Mixin WatchOption watch;

    @Option(names = "--device", paramLabel = "ID", description = "Only events about this device.")
    String device;

    @Option(names = "--action", paramLabel = "ACTION",
        description = "Only this action, e.g. pause.started, exemption.approved, policy.updated, rollout.started.")
    String action;

    @Option(names = "--actor", paramLabel = "NAME",
        description = "Only what this admin identity did (or agent, system).")
    String actor;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "50",
        description = "Print at most N events (default: ${DEFAULT-VALUE}).")
    int limit;

    @Override
    public Integer call() throws Exception {
      if (limit < 1) {
        throw new ParameterException(spec.commandLine(), "--limit must be at least 1, got " + limit);
      }
      ListAuditEventsRequest.Builder request = ListAuditEventsRequest.newBuilder().setPageSize(Math.min(limit, 1000));
      if (device != null) {
        request.setDeviceId(device);
      }
      if (action != null) {
        request.setAction(action);
      }
      if (actor != null) {
        request.setActor(actor);
      }
      Fleetctl fleetctl = Fleetctl.of(spec);
      return watch.run(fleetctl.out(), "fleetctl audit list", () -> {
        List<AuditEvent> events = fetch(fleetctl.connection(), request.build(), limit);
        OutputFormat format = fleetctl.options().output;
        if (format == OutputFormat.table) {
          Table table = new Table("TIME", "ACTOR", "ACTION", "DEVICE", "DETAIL");
          for (AuditEvent e : events) {
            table.row(Views.isoTime(e.hasEventTime(), e.getEventTime()), e.getActor(), e.getAction(),
                e.getDeviceId().isEmpty() ? "-" : e.getDeviceId(), e.getDetail());
          }
          table.print(fleetctl.out(), "");
        } else {
          StructuredOutput.print(fleetctl.out(), format,
              ListAuditEventsResponse.newBuilder().addAllEvents(events).build());
        }
      });
    }

    static List<AuditEvent> fetch(AdminConnection connection, ListAuditEventsRequest first, int limit) {
      return Pages.collect(first, request -> connection.call(AdminServiceClient::listAuditEvents, request),
          ListAuditEventsResponse::getEventsList, ListAuditEventsResponse::getNextPageToken,
          (request, token) -> request.toBuilder().setPageToken(token).build(), limit);
    }
  }
}
