package io.fleetcontrol.controller;

import io.fleetcontrol.wire.PolicyWire;
import io.fleetcontrol.wire.TelemetryWire;
import io.fleetcontrol.device.AgentPush;
import io.fleetcontrol.device.DeviceEntity;
import io.fleetcontrol.device.DeviceIdentity;
import io.fleetcontrol.device.DeviceSummary;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.policyregistry.PolicyCatalog;
import io.fleetcontrol.proto.v1.AgentServicePowerApi;
import io.fleetcontrol.proto.v1.ConnectRequest;
import io.fleetcontrol.proto.v1.ConnectResponse;
import io.fleetcontrol.proto.v1.EnrollRequest;
import io.fleetcontrol.proto.v1.EnrollResponse;
import io.fleetcontrol.proto.v1.ExemptionUpdate;
import io.fleetcontrol.proto.v1.HeartbeatRequest;
import io.fleetcontrol.proto.v1.Pause;
import io.fleetcontrol.proto.v1.PauseUpdate;
import io.fleetcontrol.proto.v1.PolicyUpdate;
import io.fleetcontrol.proto.v1.RequestAck;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.grpc.javadsl.Metadata;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.typed.javadsl.ActorSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Agents' edge: enrollment and the one long-lived stream per device. Every call after Enroll is
 * authenticated by metadata, and a stream speaks for the device its credential names, no other.
 */
final class AgentServiceImpl implements AgentServicePowerApi {

  static final String DEVICE_ID_HEADER = "x-fleet-device-id";
  /** '.' keeps the credential a valid HTTP token68, as an Authorization header needs. */
  private static final char CREDENTIAL_SEPARATOR = '.';
  private static final Logger log = LoggerFactory.getLogger(AgentServiceImpl.class);
  private static final int PUSH_BUFFER = 16;
  private static final int ACK_BUFFER = 64;

  private final ActorSystem<?> system;
  private final ClusterSharding sharding;
  private final List<String> enrollmentTokens;
  private final String initialPolicyName;
  private final Duration askTimeout;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  /** This node's attached streams and their devices, for {@link #announceOpenStreams}. */
  private final Map<ActorRef<AgentPush>, EntityRef<DeviceEntity.Command>> openStreams = new ConcurrentHashMap<>();

  AgentServiceImpl(
      ActorSystem<?> system,
      List<String> enrollmentTokens,
      String initialPolicyName,
      Duration askTimeout,
      Clock clock) {
    this.system = system;
    this.sharding = ClusterSharding.get(system);
    this.enrollmentTokens = List.copyOf(enrollmentTokens);
    this.initialPolicyName = initialPolicyName;
    this.askTimeout = askTimeout;
    this.clock = clock;
  }

  // ---- Enroll ----

  @Override
  public CompletionStage<EnrollResponse> enroll(EnrollRequest in, Metadata metadata) {
    try {
      checkEnrollmentToken(in.getEnrollmentToken());
      DeviceIdentity identity =
          new DeviceIdentity(
              InputRules.deviceId("device_id", in.getDeviceId()),
              InputRules.owner(in.getOwner()),
              InputRules.jurisdiction(in.getJurisdiction()),
              InputRules.labels(in.getLabelsMap()),
              InputRules.agentVersion(in.getAgentVersion()),
              InputRules.timeZone(in.getTimeZone()));
      String credential = identity.deviceId() + CREDENTIAL_SEPARATOR + newSecret();
      return initialPolicy()
          .thenCompose(policy -> entity(identity.deviceId())
              .<DeviceSummary>askWithStatus(
                  replyTo ->
                      new DeviceEntity.Enroll(
                          identity, DeviceEntity.hashCredential(credential), policy, replyTo),
                  askTimeout))
          .thenApply(
              summary ->
                  EnrollResponse.newBuilder()
                      .setDeviceId(identity.deviceId())
                      .setDeviceCredential(credential)
                      .build())
          .exceptionally(
              failure -> {
                throw GrpcErrors.fromAsk("enroll " + identity.deviceId(), failure);
              });
    } catch (GrpcServiceException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** The latest version of the default policy; none (NO_POLICY) if ops removed it from config. */
  private CompletionStage<Policy> initialPolicy() {
    return PolicyCatalog.ref(system)
        .<Policy>askWithStatus(replyTo -> new PolicyCatalog.GetPolicy(initialPolicyName, 0, replyTo), askTimeout)
        .exceptionally(failure -> {
          if (GrpcErrors.cause(failure) instanceof org.apache.pekko.pattern.StatusReply.ErrorMessage) {
            return null;
          }
          throw GrpcErrors.fromAsk("enroll", failure);
        });
  }

  private void checkEnrollmentToken(String token) {
    if (token.isEmpty()) {
      throw new GrpcServiceException(
          Status.UNAUTHENTICATED.withDescription("enrollment_token is required"));
    }
    byte[] given = token.getBytes(StandardCharsets.UTF_8);
    boolean known =
        enrollmentTokens.stream()
            .anyMatch(t -> MessageDigest.isEqual(t.getBytes(StandardCharsets.UTF_8), given));
    if (!known) {
      throw new GrpcServiceException(
          Status.UNAUTHENTICATED.withDescription("enrollment_token is not valid"));
    }
  }

  private String newSecret() {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  // ---- Connect ----

  @Override
  public Source<ConnectResponse, NotUsed> connect(Source<ConnectRequest, NotUsed> in, Metadata metadata) {
    String deviceId;
    String credential;
    try {
      deviceId = authenticatedDeviceId(metadata);
      credential = bearer(metadata).orElseThrow();
    } catch (GrpcServiceException e) {
      return Source.failed(e);
    }

    // Pushes from the entity (possibly on another node) arrive at this actor-backed source.
    Pair<ActorRef<AgentPush>, Source<AgentPush, NotUsed>> pushes =
        ActorSource.<AgentPush>actorRef(
                push -> false,
                push ->
                    push instanceof AgentPush.Superseded
                        ? Optional.of(
                            new GrpcServiceException(
                                Status.ABORTED.withDescription(
                                    "a newer stream for device " + deviceId + " took over")))
                        : Optional.empty(),
                PUSH_BUFFER,
                OverflowStrategy.dropHead())
            .preMaterialize(system);
    // Answers to the agent's own requests.
    Pair<BoundedSourceQueue<ConnectResponse>, Source<ConnectResponse, NotUsed>> acks =
        Source.<ConnectResponse>queue(ACK_BUFFER).preMaterialize(system);
    ActorRef<AgentPush> connection = pushes.first();
    EntityRef<DeviceEntity.Command> device = entity(deviceId);

    CompletionStage<Source<ConnectResponse, NotUsed>> attached =
        device
            .<DeviceSummary>askWithStatus(
                replyTo ->
                    new DeviceEntity.AttachConnection(
                        DeviceEntity.hashCredential(credential), connection, replyTo),
                askTimeout)
            .handle(
                (summary, failure) -> {
                  if (failure != null) {
                    completeQuietly(acks.first());
                    throw GrpcErrors.fromAttach(deviceId, failure);
                  }
                  StreamHandler handler = new StreamHandler(deviceId, device, connection, acks.first());
                  openStreams.put(connection, device);
                  in.runWith(Sink.foreach(handler::onMessage), system)
                      .whenComplete(
                          (done, error) -> {
                            openStreams.remove(connection);
                            device.tell(new DeviceEntity.DetachConnection(connection));
                            completeQuietly(acks.first());
                          });
                  return pushes.second().map(AgentServiceImpl::toResponse).merge(acks.second(), true);
                });
    return Source.completionStage(attached).flatMapConcat(source -> source);
  }

  /**
   * Tells the entity of every stream open on this node that it is still there. After a node left
   * the cluster, entities that lived there start afresh elsewhere and learn where to push.
   */
  void announceOpenStreams() {
    var streams = List.copyOf(openStreams.entrySet());
    streams.forEach(open -> open.getValue().tell(new DeviceEntity.StreamStillOpen(open.getKey())));
    log.info("Announced {} open agent streams to their devices", streams.size());
  }

  /** The queue may be closed already: its stream was cancelled (the agent hung up) or it was never consumed. */
  private static void completeQuietly(BoundedSourceQueue<ConnectResponse> queue) {
    try {
      queue.complete();
    } catch (IllegalStateException alreadyClosed) {
      // Nothing left to close.
    }
  }

  private static ConnectResponse toResponse(AgentPush push) {
    var response = ConnectResponse.newBuilder();
    if (push instanceof AgentPush.HeartbeatWanted) {
      response.setHeartbeatRequest(HeartbeatRequest.getDefaultInstance());
    } else if (push instanceof AgentPush.PolicyChanged changed) {
      response.setPolicyUpdate(PolicyUpdate.newBuilder().setPolicy(PolicyWire.toProto(changed.policy())));
    } else if (push instanceof AgentPush.PauseChanged pause) {
      // The wire says -1 for "no daily limit".
      int left = pause.pausesLeftToday() == Integer.MAX_VALUE ? -1 : pause.pausesLeftToday();
      var update = PauseUpdate.newBuilder().setPausesLeftToday(left);
      if (pause.pauseEnd() != null) {
        update.setActivePause(Pause.newBuilder()
            .setStartTime(ProtoMapping.toProto(pause.pauseStart()))
            .setEndTime(ProtoMapping.toProto(pause.pauseEnd())));
      }
      response.setPauseUpdate(update);
    } else if (push instanceof AgentPush.ExemptionsChanged exemptions) {
      var update = ExemptionUpdate.newBuilder();
      exemptions.exemptions().forEach(e -> update.addExemptions(ProtoMapping.toProto(exemptions.deviceId(), e)));
      response.setExemptionUpdate(update);
    } else {
      throw new IllegalArgumentException("no wire form for " + push);
    }
    return response.build();
  }

  static final int MAX_REQUEST_ID = 128;

  /** One device's upward messages: heartbeats are told, requests are answered once persisted. */
  private final class StreamHandler {
    private final String deviceId;
    private final EntityRef<DeviceEntity.Command> device;
    /** Where this stream takes pushes; every heartbeat carries it (see DeviceEntity.Heartbeat). */
    private final ActorRef<AgentPush> connection;
    private final BoundedSourceQueue<ConnectResponse> acks;

    StreamHandler(
        String deviceId,
        EntityRef<DeviceEntity.Command> device,
        ActorRef<AgentPush> connection,
        BoundedSourceQueue<ConnectResponse> acks) {
      this.deviceId = deviceId;
      this.device = device;
      this.connection = connection;
      this.acks = acks;
    }

    void onMessage(ConnectRequest request) {
      if (request.getRequestId().length() > MAX_REQUEST_ID) {
        // Request ids are journaled with what they asked for: a bounded size, refused before anything changes.
        answer(request.getRequestId().substring(0, MAX_REQUEST_ID),
            new IllegalArgumentException("request_id: at most " + MAX_REQUEST_ID + " characters, got "
                + request.getRequestId().length()));
        return;
      }
      switch (request.getMessageCase()) {
        case HEARTBEAT -> {
          var hb = request.getHeartbeat();
          device.tell(
              new DeviceEntity.Heartbeat(
                  clock.instant(),
                  TelemetryWire.fromProto(hb.getTelemetry()),
                  hb.getAppliedPolicyVersion(),
                  hb.getAgentVersion(),
                  connection));
        }
        case POLICY_ACK ->
            device
                .<DeviceSummary>askWithStatus(
                    replyTo -> new DeviceEntity.AckPolicy(request.getPolicyAck().getPolicyVersion(), replyTo),
                    askTimeout)
                .whenComplete((summary, failure) -> answer(request.getRequestId(), failure));
        case PAUSE_REQUEST -> {
          var pause = request.getPauseRequest();
          Duration duration = ProtoMapping.fromProto(pause.getDuration());
          Instant asked = pause.hasRequestTime() ? ProtoMapping.fromProto(pause.getRequestTime()) : null;
          ask(request, replyTo -> new DeviceEntity.StartPause(request.getRequestId(), duration, asked, replyTo));
        }
        case RESUME_REQUEST -> ask(request, replyTo -> new DeviceEntity.EndPause(request.getRequestId(), replyTo));
        case EXEMPTION_REQUEST -> {
          var exemption = request.getExemptionRequest();
          try {
            var scope = ProtoMapping.fromProto(exemption.getScope());
            var reason = ProtoMapping.fromProto(exemption.getReason());
            String comment = InputRules.comment(exemption.getComment());
            Instant asked = exemption.hasRequestTime() ? ProtoMapping.fromProto(exemption.getRequestTime()) : null;
            device
                .<io.fleetcontrol.device.ExemptionRecord>askWithStatus(
                    replyTo -> new DeviceEntity.RequestExemption(
                        request.getRequestId(), scope, reason, comment, asked, replyTo),
                    askTimeout)
                .whenComplete((record, failure) -> answer(request.getRequestId(), failure));
          } catch (GrpcServiceException e) {
            answer(request.getRequestId(), e);
          }
        }
        case NOTICE_ACKNOWLEDGEMENT ->
            ask(request, replyTo -> new DeviceEntity.AcknowledgeNotice(
                request.getRequestId(), request.getNoticeAcknowledgement().getPolicyVersion(), replyTo));
        case MESSAGE_NOT_SET ->
            answer(request.getRequestId(), new IllegalArgumentException("the message is empty"));
      }
    }

    /** A request the entity answers once the fact is persisted; the agent gets the outcome. */
    private void ask(
        ConnectRequest request,
        java.util.function.Function<org.apache.pekko.actor.typed.ActorRef<org.apache.pekko.pattern.StatusReply<DeviceSummary>>, DeviceEntity.Command> command) {
      device.askWithStatus(command::apply, askTimeout)
          .whenComplete((summary, failure) -> answer(request.getRequestId(), failure));
    }

    private void answer(String requestId, Throwable failure) {
      if (failure != null && GrpcErrors.cause(failure) instanceof TimeoutException) {
        // No answer is not a refusal: the device's node is stopping or gone (a shard hand-off).
        // End the stream; the agent reconnects, to a live node, and sends the request again,
        // which the entity answers once whether or not the first one got through.
        log.info("request {} of device {} got no answer in time ({}); closing its stream so the agent "
            + "sends it again", requestId, deviceId, GrpcErrors.message(failure));
        try {
          acks.fail(new GrpcServiceException(Status.UNAVAILABLE.withDescription("request " + requestId
              + " of device " + deviceId + ": the controller did not answer in time; reconnect and send it again")));
        } catch (IllegalStateException alreadyClosed) {
          // The agent hung up already; it sends the request again when it is back.
        }
        return;
      }
      var ack = RequestAck.newBuilder().setRequestId(requestId).setAccepted(failure == null);
      if (failure != null) {
        ack.setMessage(GrpcErrors.message(failure));
        log.debug("refused request {} of device {}: {}", requestId, deviceId, ack.getMessage());
      }
      // The stream may be gone already (the agent hung up); the agent re-sends what it did not hear about.
      acks.offer(ConnectResponse.newBuilder().setRequestAck(ack).build());
    }
  }

  // ---- authentication ----

  /**
   * The device a call speaks for. The credential is "deviceId.secret", so a credential presented
   * for another device's id is caught here, before any entity is asked.
   */
  static String authenticatedDeviceId(Metadata metadata) {
    String claimed =
        metadata
            .getText(DEVICE_ID_HEADER)
            .orElseThrow(
                () ->
                    new GrpcServiceException(
                        Status.UNAUTHENTICATED.withDescription(
                            "metadata " + DEVICE_ID_HEADER + " is required")));
    InputRules.deviceId(DEVICE_ID_HEADER, claimed);
    String credential =
        bearer(metadata)
            .orElseThrow(
                () ->
                    new GrpcServiceException(
                        Status.UNAUTHENTICATED.withDescription(
                            "metadata authorization: Bearer <device credential> is required")));
    // The secret is base64url, which has no '.', so the last '.' ends the device id.
    int separator = credential.lastIndexOf(CREDENTIAL_SEPARATOR);
    if (separator <= 0) {
      throw new GrpcServiceException(
          Status.UNAUTHENTICATED.withDescription("the device credential is malformed"));
    }
    if (!credential.substring(0, separator).equals(claimed)) {
      throw new GrpcServiceException(
          Status.PERMISSION_DENIED.withDescription(
              "the credential belongs to another device than " + claimed));
    }
    return claimed;
  }

  static Optional<String> bearer(Metadata metadata) {
    return metadata
        .getText("authorization")
        .filter(value -> value.regionMatches(true, 0, "Bearer ", 0, 7))
        .map(value -> value.substring(7).trim())
        .filter(value -> !value.isEmpty());
  }

  private EntityRef<DeviceEntity.Command> entity(String deviceId) {
    return sharding.entityRefFor(DeviceEntity.ENTITY_KEY, deviceId);
  }
}
