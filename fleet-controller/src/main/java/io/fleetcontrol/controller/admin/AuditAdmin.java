package io.fleetcontrol.controller.admin;

import io.fleetcontrol.controller.grpc.InputRules;
import io.fleetcontrol.controller.grpc.PageTokens;
import io.fleetcontrol.controller.grpc.ProtoMapping;
import io.fleetcontrol.controller.readside.AuditEntries;
import io.fleetcontrol.controller.readside.AuditStore;
import io.fleetcontrol.proto.v1.AuditEvent;
import io.fleetcontrol.proto.v1.ListAuditEventsRequest;
import io.fleetcontrol.proto.v1.ListAuditEventsResponse;
import java.util.concurrent.CompletionStage;

/** The audit trail behind the admin API: newest first, by device and action, page by page. */
public final class AuditAdmin {

  private final AuditStore audit;
  private final PageTokens pageTokens;

  public AuditAdmin(AuditStore audit, PageTokens pageTokens) {
    this.audit = audit;
    this.pageTokens = pageTokens;
  }

  public CompletionStage<ListAuditEventsResponse> list(ListAuditEventsRequest in) {
    int pageSize = PageTokens.pageSize(in.getPageSize());
    String device = in.getDeviceId().isEmpty() ? null : InputRules.deviceId("device_id", in.getDeviceId());
    String action = in.getAction().isEmpty() ? null : auditAction(in.getAction());
    String filters = PageTokens.filtersOf(in);
    String cursor = pageTokens.cursor(in.getPageToken(), "audit", filters);
    AuditStore.Cursor after = cursor == null ? null : AuditStore.Cursor.decode(cursor);
    String actor = in.getActor().isEmpty() ? null : InputRules.actor(in.getActor());
    return audit.list(new AuditStore.Filter(device, action, actor), after, pageSize).thenApply(listing -> {
      var out = ListAuditEventsResponse.newBuilder()
          .addAllEvents(listing.entries().stream().map(AuditAdmin::toProto).toList());
      if (listing.next() != null) {
        out.setNextPageToken(pageTokens.issue("audit", filters, listing.next().encode()));
      }
      return out.build();
    });
  }

  /** Actions are dotted lower-case words, e.g. "pause.started"; anything else cannot match. */
  private static String auditAction(String action) {
    if (action.length() > 64 || !action.matches("[a-z_]+(\\.[a-z_]+)*")) {
      throw InputRules.invalid("action " + InputRules.describe(action)
          + " is not an audit action; actions look like \"pause.started\" or \"exemption.approved\"");
    }
    return action;
  }

  static AuditEvent toProto(AuditEntries.AuditEntry e) {
    return AuditEvent.newBuilder()
        .setEventTime(ProtoMapping.toProto(e.time()))
        .setActor(e.actor())
        .setAction(e.action())
        .setDeviceId(e.deviceId())
        .setDetail(e.detail() == null ? "" : e.detail())
        .build();
  }
}
