package io.fleetcontrol.controller.agent;

import io.fleetcontrol.controller.grpc.GrpcErrors;
import io.fleetcontrol.controller.grpc.InputRules;
import io.fleetcontrol.controller.grpc.ProtoMapping;
import io.fleetcontrol.controller.grpc.RateLimit;
import io.fleetcontrol.controller.metrics.FleetMetrics;
import io.fleetcontrol.device.AgentPush;
import io.fleetcontrol.device.DeviceCommand;
import io.fleetcontrol.device.DeviceSummary;
import io.fleetcontrol.proto.v1.ConnectRequest;
import io.fleetcontrol.proto.v1.ConnectResponse;
import io.fleetcontrol.proto.v1.RequestAck;
import io.fleetcontrol.wire.PolicyVersionWire;
import io.fleetcontrol.wire.TelemetryWire;
import io.grpc.Status;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.grpc.GrpcServiceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One device's stream, its upward messages: heartbeats are told, requests are answered once
 * persisted. Called by one thread at a time (the call's); answers go through {@link AgentConnection}.
 */
final class AgentStream {

  static final int MAX_REQUEST_ID = 128;
  private static final Logger log = LoggerFactory.getLogger(AgentStream.class);

  private final String deviceId;
  private final EntityRef<DeviceCommand> device;
  /** Where this stream takes pushes; every heartbeat carries it (see DeviceCommand.Heartbeat). */
  private final ActorRef<AgentPush> connection;
  /** The same actor, which writes the answers and ends the stream ({@link AgentConnection}). */
  private final ActorRef<Object> writer;
  /** The credential the stream opened with: the entity takes its heartbeats only while it is the device's. */
  private final String credentialHash;
  private final RateLimit.Bucket heartbeats;
  private final FleetMetrics metrics;
  private final RateLimit.Bucket requests;
  private final AgentLimits limits;
  private final Duration askTimeout;
  private final Clock clock;
  private volatile long lastHeartbeatNanos = System.nanoTime();
  /** The interval of the policy last pushed down this stream: the agent heartbeats at it. */
  private volatile Duration heartbeatInterval;
  /** Set, under this object's lock, before the entity is told the stream detached. */
  private boolean ended;
  private long heartbeatsOverRate;
  private long heartbeatsInvalid;

  /** {@code heartbeats}, {@code requests}: the device's buckets, kept across its streams. */
  AgentStream(
      String deviceId,
      EntityRef<DeviceCommand> device,
      ActorRef<Object> connection,
      String credentialHash,
      RateLimit.Bucket heartbeats,
      RateLimit.Bucket requests,
      AgentLimits limits,
      Duration askTimeout,
      Clock clock,
      FleetMetrics metrics) {
    this.metrics = metrics;
    this.deviceId = deviceId;
    this.device = device;
    this.connection = connection.narrow();
    this.writer = connection;
    this.credentialHash = credentialHash;
    this.heartbeats = heartbeats;
    this.requests = requests;
    this.limits = limits;
    this.askTimeout = askTimeout;
    this.clock = clock;
    this.heartbeatInterval = limits.defaultHeartbeatInterval();
  }

  /**
   * The stream is over: runs {@code detach} with no heartbeat of this stream told after it, since
   * an entity adopts the stream a heartbeat names (after a node loss) and would push to a dead one.
   */
  synchronized void end(Runnable detach) {
    ended = true;
    detach.run();
  }

  /** Notes the heartbeat interval of a policy on its way to the agent. */
  AgentPush passing(AgentPush push) {
    if (push instanceof AgentPush.PolicyChanged changed) {
      Duration interval = changed.policy().heartbeatInterval();
      heartbeatInterval = interval == null || interval.isZero() || interval.isNegative()
          ? limits.defaultHeartbeatInterval() : interval;
    }
    return push;
  }

  void closeIfSilent(long nowNanos) {
    Duration allowed = heartbeatInterval.multipliedBy(limits.missedHeartbeats());
    Duration silent = Duration.ofNanos(nowNanos - lastHeartbeatNanos);
    if (silent.compareTo(allowed) <= 0) {
      return;
    }
    log.info("closing the stream of device {}: no heartbeat for {} s ({} intervals of {} s)", deviceId,
        silent.toSeconds(), limits.missedHeartbeats(), heartbeatInterval.toSeconds());
    writer.tell(new AgentConnection.Close(Status.UNAVAILABLE.withDescription("no heartbeat from device " + deviceId
        + " for " + silent.toSeconds() + " s (" + limits.missedHeartbeats() + " intervals of "
        + heartbeatInterval.toSeconds() + " s); the stream is closed, connect again")));
  }

  void onMessage(ConnectRequest request) {
    if (request.getRequestId().length() > MAX_REQUEST_ID) {
      // Request ids are journaled with what they asked for: a bounded size, refused before anything changes.
      answer(request.getMessageCase(), request.getRequestId().substring(0, MAX_REQUEST_ID),
          new IllegalArgumentException("request_id: at most " + MAX_REQUEST_ID + " characters, got "
              + request.getRequestId().length()));
      return;
    }
    if (request.getMessageCase() == ConnectRequest.MessageCase.HEARTBEAT) {
      lastHeartbeatNanos = System.nanoTime();
      if (!heartbeats.tryTake()) {
        metrics.heartbeat(FleetMetrics.HeartbeatOutcome.OVER_RATE);
        // Not an error an agent can act on (there is nothing to answer): the extra is dropped.
        if (heartbeatsOverRate++ % 1000 == 0) {
          log.info("device {} sends heartbeats faster than {}; {} dropped so far", deviceId,
              limits.heartbeats().words(), heartbeatsOverRate);
        }
        return;
      }
    } else if (!requests.tryTake()) {
      answer(request.getMessageCase(), request.getRequestId(), new GrpcServiceException(Status.RESOURCE_EXHAUSTED.withDescription(
          "too many requests from device " + deviceId + ": at most " + limits.streamRequests().words()
              + " (fleet.limits.stream-requests); try again in " + Math.max(1, requests.nextIn().toSeconds()) + " s")));
      return;
    }
    try {
      handle(request);
    } catch (GrpcServiceException refused) {
      // A field the agent got wrong: refused with what was wrong, and the stream stays up.
      answer(request.getMessageCase(), request.getRequestId(), refused);
    }
  }

  private void handle(ConnectRequest request) {
    switch (request.getMessageCase()) {
      case HEARTBEAT -> {
        var hb = request.getHeartbeat();
        String wrong = InputRules.heartbeatProblem(hb);
        if (wrong != null) {
          // Heartbeats are not answered; a real agent never sends these, so it is logged, not stored.
          metrics.heartbeat(FleetMetrics.HeartbeatOutcome.INVALID);
          if (heartbeatsInvalid++ % 1000 == 0) {
            log.info("device {} sent a heartbeat that was dropped ({} so far): {}", deviceId, heartbeatsInvalid, wrong);
          }
          return;
        }
        var heartbeat = new DeviceCommand.Heartbeat(clock.instant(), TelemetryWire.fromProto(hb.getTelemetry()),
            PolicyVersionWire.fromProto(hb.getAppliedPolicy()), hb.getAgentVersion(), connection, credentialHash);
        synchronized (this) {
          // Never after the stream's detach (see ended): the entity would take the dead stream back.
          if (!ended) {
            device.tell(heartbeat);
            metrics.heartbeat(FleetMetrics.HeartbeatOutcome.ACCEPTED);
          }
        }
      }
      case POLICY_ACK ->
          device
              .<DeviceSummary>askWithStatus(
                  replyTo -> new DeviceCommand.AckPolicy(PolicyVersionWire.fromProto(request.getPolicyAck().getPolicy()), replyTo),
                  askTimeout)
              .whenComplete((summary, failure) -> answer(request.getMessageCase(), request.getRequestId(), failure));
      case PAUSE_REQUEST -> {
        var pause = request.getPauseRequest();
        Duration duration = InputRules.duration("pause_request.duration", pause.getDuration());
        Instant asked = pause.hasRequestTime()
            ? InputRules.time("pause_request.request_time", pause.getRequestTime()) : null;
        ask(request, replyTo -> new DeviceCommand.StartPause(request.getRequestId(), duration, asked, replyTo));
      }
      case RESUME_REQUEST -> ask(request, replyTo -> new DeviceCommand.EndPause(request.getRequestId(), replyTo));
      case EXEMPTION_REQUEST -> {
        var exemption = request.getExemptionRequest();
        try {
          var scope = ProtoMapping.fromProto(exemption.getScope());
          var reason = ProtoMapping.fromProto(exemption.getReason());
          String comment = InputRules.comment(exemption.getComment());
          Instant asked = exemption.hasRequestTime()
              ? InputRules.time("exemption_request.request_time", exemption.getRequestTime()) : null;
          device
              .<io.fleetcontrol.policy.ExemptionRecord>askWithStatus(
                  replyTo -> new DeviceCommand.RequestExemption(
                      request.getRequestId(), scope, reason, comment, asked, replyTo),
                  askTimeout)
              .whenComplete((record, failure) -> answer(request.getMessageCase(), request.getRequestId(), failure));
        } catch (GrpcServiceException e) {
          answer(request.getMessageCase(), request.getRequestId(), e);
        }
      }
      case NOTICE_ACKNOWLEDGEMENT ->
          ask(request, replyTo -> new DeviceCommand.AcknowledgeNotice(
              request.getRequestId(), PolicyVersionWire.fromProto(request.getNoticeAcknowledgement().getPolicy()), replyTo));
      case MESSAGE_NOT_SET ->
          answer(request.getMessageCase(), request.getRequestId(), new IllegalArgumentException("the message is empty"));
    }
  }

  /** A request the entity answers once the fact is persisted; the agent gets the outcome. */
  private void ask(
      ConnectRequest request,
      java.util.function.Function<org.apache.pekko.actor.typed.ActorRef<org.apache.pekko.pattern.StatusReply<DeviceSummary>>, DeviceCommand> command) {
    device.askWithStatus(command::apply, askTimeout)
        .whenComplete((summary, failure) -> answer(request.getMessageCase(), request.getRequestId(), failure));
  }

  private void answer(ConnectRequest.MessageCase kind, String requestId, Throwable failure) {
    if (failure != null && GrpcErrors.cause(failure) instanceof TimeoutException) {
      // No answer is not a refusal: the device's node is stopping or gone (a shard hand-off).
      // End the stream; the agent reconnects, to a live node, and sends the request again,
      // which the entity answers once whether or not the first one got through.
      log.info("request {} of device {} got no answer in time ({}); closing its stream so the agent "
          + "sends it again", requestId, deviceId, GrpcErrors.message(failure));
      // If the agent hung up already, it sends the request again when it is back.
      metrics.request(kind, FleetMetrics.RequestOutcome.UNANSWERED);
      writer.tell(new AgentConnection.Close(Status.UNAVAILABLE.withDescription("request " + requestId
          + " of device " + deviceId + ": the controller did not answer in time; reconnect and send it again")));
      return;
    }
    metrics.request(kind,
        failure == null ? FleetMetrics.RequestOutcome.ACCEPTED : FleetMetrics.RequestOutcome.REFUSED);
    var ack = RequestAck.newBuilder().setRequestId(requestId).setAccepted(failure == null);
    if (failure != null) {
      ack.setMessage(GrpcErrors.message(failure));
      log.debug("refused request {} of device {}: {}", requestId, deviceId, ack.getMessage());
    }
    // The stream may be gone already (the agent hung up); the agent re-sends what it did not hear about.
    writer.tell(new AgentConnection.Send(ConnectResponse.newBuilder().setRequestAck(ack).build()));
  }
}
