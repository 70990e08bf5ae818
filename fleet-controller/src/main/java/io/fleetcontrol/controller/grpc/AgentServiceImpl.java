package io.fleetcontrol.controller.grpc;

import io.fleetcontrol.controller.readside.AuditStore;

import io.fleetcontrol.controller.agent.TokenSpends;
import io.fleetcontrol.controller.security.SignedSecrets;

import io.fleetcontrol.wire.PolicyWire;
import io.fleetcontrol.wire.TelemetryWire;
import io.fleetcontrol.device.AgentPush;
import io.fleetcontrol.device.DeviceEntity;
import io.fleetcontrol.device.DeviceIdentity;
import io.fleetcontrol.device.DeviceSummary;
import io.fleetcontrol.device.EnrollOutcome;
import io.fleetcontrol.enrollment.EnrollmentToken;
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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.typed.javadsl.ActorSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Agents' edge: enrollment and the one long-lived stream per device. Every call after Enroll is
 * authenticated by metadata, and a stream speaks for the device its credential names, no other.
 */
public final class AgentServiceImpl implements AgentServicePowerApi {

  static final String DEVICE_ID_HEADER = "x-fleet-device-id";
  private static final Logger log = LoggerFactory.getLogger(AgentServiceImpl.class);
  private static final int PUSH_BUFFER = 16;
  private static final int ACK_BUFFER = 64;

  private final ActorSystem<?> system;
  private final ClusterSharding sharding;
  private final SignedSecrets credentials;
  private final TokenSpends tokenSpends;
  private final AuditStore audit;
  private final String initialPolicyName;
  private final Duration askTimeout;
  private final Clock clock;
  /** This node's attached streams and their devices, for {@link #announceOpenStreams}. */
  private final Map<ActorRef<AgentPush>, OpenStream> openStreams = new ConcurrentHashMap<>();

  private final Limits limits;
  private final RateLimit.PerKey enrollsPerAddress;
  private final RateLimit.PerKey heartbeatsByDevice;
  private final RateLimit.PerKey requestsByDevice;
  private final RateLimit.PerKey connectsByDevice;

  /** A stream attached on this node: its device, the credential it opened with, and its handler. */
  private record OpenStream(EntityRef<DeviceEntity.Command> device, String credentialHash, StreamHandler handler) {}

  /** What one device stream and one caller address may send (fleet.limits). */
  public record Limits(RateLimit heartbeats, RateLimit streamRequests, RateLimit connectsPerDevice, int trackedDevices,
      RateLimit enrollPerAddress, int enrollAddresses, int missedHeartbeats, Duration defaultHeartbeatInterval) {

    public static Limits fromConfig(com.typesafe.config.Config limits) {
      return new Limits(
          RateLimit.fromConfig(limits.getConfig("heartbeats")),
          RateLimit.fromConfig(limits.getConfig("stream-requests")),
          RateLimit.fromConfig(limits.getConfig("connects-per-device")),
          limits.getInt("tracked-devices"),
          RateLimit.fromConfig(limits.getConfig("enroll-per-address")),
          limits.getInt("enroll-addresses"),
          limits.getInt("missed-heartbeats"),
          limits.getDuration("default-heartbeat-interval"));
    }
  }

  public AgentServiceImpl(
      ActorSystem<?> system,
      SignedSecrets credentials,
      AuditStore audit,
      String initialPolicyName,
      Duration askTimeout,
      Limits limits,
      Clock clock) {
    this.system = system;
    this.limits = limits;
    this.enrollsPerAddress = new RateLimit.PerKey(limits.enrollPerAddress(), limits.enrollAddresses(), System::nanoTime);
    // Per device, not per stream, so a device reconnecting does not start over with a full allowance.
    this.heartbeatsByDevice = new RateLimit.PerKey(limits.heartbeats(), limits.trackedDevices(), System::nanoTime);
    this.requestsByDevice = new RateLimit.PerKey(limits.streamRequests(), limits.trackedDevices(), System::nanoTime);
    this.connectsByDevice = new RateLimit.PerKey(limits.connectsPerDevice(), limits.trackedDevices(), System::nanoTime);
    this.sharding = ClusterSharding.get(system);
    this.credentials = credentials;
    this.tokenSpends = new TokenSpends(system, askTimeout);
    this.audit = audit;
    this.initialPolicyName = initialPolicyName;
    this.askTimeout = askTimeout;
    this.clock = clock;
    Duration sweep = Duration.ofSeconds(5);
    system.scheduler().scheduleAtFixedRate(sweep, sweep, this::closeSilentStreams, system.executionContext());
  }

  // ---- Enroll ----

  /**
   * Token enrollment: the token's MAC is checked here, its use is spent by its entity (exactly, and
   * once per enrollment id), then the device entity decides; a use this call spent on an enrollment
   * the device refused goes back to the token.
   * Re-key: the call carries the device's current credential instead, and no token is spent.
   */
  @Override
  public CompletionStage<EnrollResponse> enroll(EnrollRequest in, Metadata metadata) {
    try {
      limitEnrollsFrom(peer(metadata));
      String deviceId = InputRules.deviceId("device_id", in.getDeviceId());
      String enrollmentId = InputRules.enrollmentId(in.getEnrollmentId());
      String enrollmentIdHash = DeviceEntity.hashSecret(enrollmentId);
      String nonce = credentials.nonceFor(deviceId, enrollmentId);
      DeviceIdentity declared =
          new DeviceIdentity(
              deviceId,
              InputRules.owner(in.getOwner()),
              InputRules.jurisdiction(in.getJurisdiction()),
              InputRules.labels(in.getLabelsMap()),
              InputRules.agentVersion(in.getAgentVersion()),
              InputRules.timeZone(in.getTimeZone()));
      Optional<String> presented = bearer(metadata);
      if (presented.isPresent()) {
        String presentedNonce = credentials.nonceOf(deviceId, presented.get()).orElseThrow(() -> new GrpcServiceException(
            Status.UNAUTHENTICATED.withDescription("the credential presented for a re-key of " + deviceId + " is not valid")));
        return enrollDevice(declared, enrollmentIdHash, nonce, DeviceEntity.hashSecret(presentedNonce), null, peer(metadata));
      }
      String tokenId = tokenIdOf(in.getEnrollmentToken());
      return tokenSpends
          .spend(tokenId, new EnrollmentToken.SpendRequest(
              DeviceEntity.hashSecret(in.getEnrollmentToken()), deviceId, enrollmentIdHash))
          .exceptionally(failure -> {
            throw GrpcErrors.fromAsk("enroll " + deviceId, failure);
          })
          .thenCompose(outcome -> {
            if (outcome instanceof EnrollmentToken.Refused refused) {
              throw tokenRefused(tokenId, refused.reason());
            }
            var granted = (EnrollmentToken.Granted) outcome;
            CompletionStage<EnrollResponse> enrolling;
            try {
              enrolling = enrollDevice(withTokenTerms(declared, granted), enrollmentIdHash, nonce, null, tokenId,
                  peer(metadata));
            } catch (GrpcServiceException tooManyLabels) {
              enrolling = CompletableFuture.failedFuture(tooManyLabels);
            }
            return enrolling
                .whenComplete((enrolled, refused) -> {
                  // Only a use this call spent goes back, and only on a refusal (not on a timeout,
                  // after which the enrollment may still land); a use paid earlier stays spent.
                  if (refused != null && granted.newSpend() && GrpcErrors.cause(refused) instanceof GrpcServiceException g
                      && g.getStatus().getCode() != Status.Code.UNAVAILABLE) {
                    EnrollmentToken.ref(system, tokenId).tell(new EnrollmentToken.Refund(deviceId, enrollmentIdHash));
                  }
                });
          });
    } catch (GrpcServiceException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** {@code nonce}: the new credential's, derived from the enrollment id; the entity sees hashes only. */
  private CompletionStage<EnrollResponse> enrollDevice(DeviceIdentity identity, String enrollmentIdHash, String nonce,
      String presentedCredentialHash, String tokenId, String peer) {
    String deviceId = identity.deviceId();
    String credentialHash = DeviceEntity.hashSecret(nonce);
    return initialPolicy()
        .thenCompose(policy -> entity(deviceId).<EnrollOutcome>askWithStatus(
            replyTo -> new DeviceEntity.Enroll(identity, enrollmentIdHash, credentialHash, presentedCredentialHash,
                tokenId, policy, replyTo),
            askTimeout))
        .handle((outcome, failure) -> {
          if (failure != null) {
            throw GrpcErrors.fromAsk("enroll " + deviceId, failure);
          }
          if (outcome instanceof EnrollOutcome.Enrolled) {
            return EnrollResponse.newBuilder()
                .setDeviceId(deviceId)
                .setDeviceCredential(credentials.credential(deviceId, nonce))
                .build();
          }
          audit.recordRefusedEnrollment(deviceId, peer, tokenId, outcome, clock.instant());
          if (outcome instanceof EnrollOutcome.Revoked) {
            throw new GrpcServiceException(Status.FAILED_PRECONDITION.withDescription("device " + deviceId
                + " was revoked by an admin; it enrolls again only after fleetctl devices reset " + deviceId));
          }
          if (outcome instanceof EnrollOutcome.Retired) {
            throw new GrpcServiceException(Status.FAILED_PRECONDITION.withDescription("this enrollment of device "
                + deviceId + " was reset by an admin; only a new enrollment (a reinstalled agent) takes the id"));
          }
          throw new GrpcServiceException(Status.ALREADY_EXISTS.withDescription("device " + deviceId
              + " is enrolled already by another agent; if this laptop replaces it, an admin runs "
              + "fleetctl devices reset " + deviceId));
        });
  }

  /** Labels from the token win over what the laptop says; so does the token's jurisdiction. */
  private static DeviceIdentity withTokenTerms(DeviceIdentity declared, EnrollmentToken.Granted granted) {
    Map<String, String> labels = new java.util.TreeMap<>(declared.labels());
    labels.putAll(granted.labels());
    labels = InputRules.labels(labels);
    String jurisdiction = granted.jurisdiction() == null || granted.jurisdiction().isEmpty()
        ? declared.jurisdiction() : granted.jurisdiction();
    return new DeviceIdentity(declared.deviceId(), declared.owner(), jurisdiction, labels,
        declared.agentVersion(), declared.timeZone());
  }

  /** The token id, if the token is one this deployment issued; checked before any entity is asked. */
  private String tokenIdOf(String token) {
    if (token.isEmpty()) {
      throw new GrpcServiceException(Status.UNAUTHENTICATED.withDescription(
          "enrollment_token is required (or the device's current credential, for a re-key)"));
    }
    return credentials.tokenIdOf(token).orElseThrow(() ->
        new GrpcServiceException(Status.UNAUTHENTICATED.withDescription("enrollment_token is not valid")));
  }

  private static GrpcServiceException tokenRefused(String tokenId, EnrollmentToken.Reason reason) {
    return switch (reason) {
      case UNKNOWN -> new GrpcServiceException(Status.UNAUTHENTICATED.withDescription("enrollment_token is not valid"));
      case EXPIRED -> new GrpcServiceException(Status.PERMISSION_DENIED.withDescription(
          "enrollment token " + tokenId + " has expired; ask an admin for a new one"));
      case REVOKED -> new GrpcServiceException(Status.PERMISSION_DENIED.withDescription(
          "enrollment token " + tokenId + " was revoked; ask an admin for a new one"));
      case USED_UP -> new GrpcServiceException(Status.PERMISSION_DENIED.withDescription(
          "enrollment token " + tokenId + " has no uses left; ask an admin for a new one"));
    };
  }

  /** Before anything else is read or checked: a caller cycling through ids or tokens is slowed here. */
  private void limitEnrollsFrom(String peer) {
    String address = addressOf(peer);
    if (!enrollsPerAddress.tryTake(address)) {
      throw new GrpcServiceException(Status.RESOURCE_EXHAUSTED.withDescription("too many Enroll calls from "
          + address + ": at most " + enrollsPerAddress.limit().words() + " per address (fleet.limits.enroll-per-address);"
          + " try again in " + Math.max(1, enrollsPerAddress.nextIn(address).toSeconds()) + " s"));
    }
  }

  /**
   * Whom a limit per address counts: the IPv4 address of "10.0.0.7:51234", or for IPv6
   * ("fe80:0:0:0:0:0:0:1:51234", as the JDK writes it) its /64, since one host is given a whole /64.
   */
  static String addressOf(String peer) {
    int colon = peer.lastIndexOf(':');
    String address = colon > 0 ? peer.substring(0, colon) : peer;
    String[] groups = address.split(":");
    if (groups.length == 8) {
      return String.join(":", groups[0], groups[1], groups[2], groups[3]) + "::/64";
    }
    return address;
  }

  /** The caller's address, as ControllerServer stamped it on the request (clients cannot set it). */
  static String peer(Metadata metadata) {
    return metadata.getText(ControllerServer.PEER_HEADER).orElse("unknown");
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

  // ---- Connect ----

  @Override
  public Source<ConnectResponse, NotUsed> connect(Source<ConnectRequest, NotUsed> in, Metadata metadata) {
    String deviceId;
    String credentialHash;
    try {
      deviceId = authenticatedDeviceId(metadata);
      String nonce = credentials.nonceOf(deviceId, bearer(metadata).orElseThrow()).orElseThrow(() -> new GrpcServiceException(
          Status.UNAUTHENTICATED.withDescription("the device credential of " + deviceId + " is not valid")));
      credentialHash = DeviceEntity.hashSecret(nonce);
      // After the credential is checked, so made-up ids cannot fill the table; before the entity is asked.
      if (!connectsByDevice.tryTake(deviceId)) {
        throw new GrpcServiceException(Status.RESOURCE_EXHAUSTED.withDescription("device " + deviceId
            + " connects too often: at most " + limits.connectsPerDevice().words()
            + " (fleet.limits.connects-per-device); try again in "
            + Math.max(1, connectsByDevice.nextIn(deviceId).toSeconds()) + " s"));
      }
    } catch (GrpcServiceException e) {
      return Source.failed(e);
    }

    // Pushes from the entity (possibly on another node) arrive at this actor-backed source.
    Pair<ActorRef<AgentPush>, Source<AgentPush, NotUsed>> pushes =
        ActorSource.<AgentPush>actorRef(
                push -> false,
                push -> {
                  if (push instanceof AgentPush.Superseded) {
                    return Optional.of(new GrpcServiceException(
                        Status.ABORTED.withDescription("a newer stream for device " + deviceId + " took over")));
                  }
                  if (push instanceof AgentPush.CredentialWithdrawn withdrawn) {
                    return Optional.of(new GrpcServiceException(Status.UNAUTHENTICATED.withDescription(withdrawn.why())));
                  }
                  return Optional.empty();
                },
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
                    new DeviceEntity.AttachConnection(credentialHash, connection, replyTo),
                askTimeout)
            .handle(
                (summary, failure) -> {
                  if (failure != null) {
                    completeQuietly(acks.first());
                    throw GrpcErrors.fromAttach(deviceId, failure);
                  }
                  StreamHandler handler = new StreamHandler(deviceId, device, connection, credentialHash, acks.first());
                  openStreams.put(connection, new OpenStream(device, credentialHash, handler));
                  in.via(handler.closer.flow()).runWith(Sink.foreach(handler::onMessage), system)
                      .whenComplete(
                          (done, error) -> {
                            openStreams.remove(connection);
                            device.tell(new DeviceEntity.DetachConnection(connection));
                            if (GrpcErrors.cause(error) instanceof com.google.protobuf.InvalidProtocolBufferException bad) {
                              // The agent sent bytes that are no ConnectRequest: it hears why its stream ends.
                              failQuietly(acks.first(), new GrpcServiceException(Status.INVALID_ARGUMENT.withDescription(
                                  "a message on the stream is not a valid ConnectRequest: " + bad.getMessage())));
                            } else {
                              completeQuietly(acks.first());
                            }
                          });
                  return pushes.second().map(push -> toResponse(handler.passing(push))).merge(acks.second(), true);
                });
    return Source.completionStage(attached).flatMapConcat(source -> source);
  }

  /**
   * Tells the entity of every stream open on this node that it is still there. After a node left
   * the cluster, entities that lived there start afresh elsewhere and learn where to push.
   */
  public void announceOpenStreams() {
    var streams = List.copyOf(openStreams.entrySet());
    streams.forEach(open -> open.getValue().device()
        .tell(new DeviceEntity.StreamStillOpen(open.getKey(), open.getValue().credentialHash())));
    log.info("Announced {} open agent streams to their devices", streams.size());
  }

  /**
   * Closes the streams whose agents went quiet: a laptop that vanished without a FIN, or a client
   * that opened a stream to hold it. The agent reconnects when it is back.
   */
  private void closeSilentStreams() {
    long now = System.nanoTime();
    openStreams.values().forEach(open -> open.handler().closeIfSilent(now));
  }

  private static void failQuietly(BoundedSourceQueue<ConnectResponse> queue, Throwable why) {
    try {
      queue.fail(why);
    } catch (IllegalStateException alreadyClosed) {
      // Nothing left to fail.
    }
  }

  /** The device's bucket, kept across its streams; a fresh one only while the table is full of busy devices. */
  private static RateLimit.Bucket bucketOf(RateLimit.PerKey perDevice, String deviceId) {
    RateLimit.Bucket bucket = perDevice.bucket(deviceId);
    return bucket != null ? bucket : perDevice.limit().newBucket(System::nanoTime);
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
    /** The credential the stream opened with: the entity takes its heartbeats only while it is the device's. */
    private final String credentialHash;
    private final BoundedSourceQueue<ConnectResponse> acks;
    /** Ends the agent's side of the stream (the acks queue ends ours). */
    final SharedKillSwitch closer;
    private final RateLimit.Bucket heartbeats;
    private final RateLimit.Bucket requests;
    private volatile long lastHeartbeatNanos = System.nanoTime();
    /** The interval of the policy last pushed down this stream: the agent heartbeats at it. */
    private volatile Duration heartbeatInterval = limits.defaultHeartbeatInterval();
    private long heartbeatsOverRate;
    private long heartbeatsInvalid;

    StreamHandler(
        String deviceId,
        EntityRef<DeviceEntity.Command> device,
        ActorRef<AgentPush> connection,
        String credentialHash,
        BoundedSourceQueue<ConnectResponse> acks) {
      this.deviceId = deviceId;
      this.device = device;
      this.connection = connection;
      this.credentialHash = credentialHash;
      this.acks = acks;
      this.closer = KillSwitches.shared("agent-stream-" + deviceId);
      this.heartbeats = bucketOf(heartbeatsByDevice, deviceId);
      this.requests = bucketOf(requestsByDevice, deviceId);
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
      var silence = new GrpcServiceException(Status.UNAVAILABLE.withDescription("no heartbeat from device " + deviceId
          + " for " + silent.toSeconds() + " s (" + limits.missedHeartbeats() + " intervals of "
          + heartbeatInterval.toSeconds() + " s); the stream is closed, connect again"));
      // The agent's answer first: ending the inbound side completes the acks (a normal end) once it is done.
      failQuietly(acks, silence);
      closer.abort(silence);
    }

    void onMessage(ConnectRequest request) {
      if (request.getRequestId().length() > MAX_REQUEST_ID) {
        // Request ids are journaled with what they asked for: a bounded size, refused before anything changes.
        answer(request.getRequestId().substring(0, MAX_REQUEST_ID),
            new IllegalArgumentException("request_id: at most " + MAX_REQUEST_ID + " characters, got "
                + request.getRequestId().length()));
        return;
      }
      if (request.getMessageCase() == ConnectRequest.MessageCase.HEARTBEAT) {
        lastHeartbeatNanos = System.nanoTime();
        if (!heartbeats.tryTake()) {
          // Not an error an agent can act on (there is nothing to answer): the extra is dropped.
          if (heartbeatsOverRate++ % 1000 == 0) {
            log.info("device {} sends heartbeats faster than {}; {} dropped so far", deviceId,
                limits.heartbeats().words(), heartbeatsOverRate);
          }
          return;
        }
      } else if (!requests.tryTake()) {
        answer(request.getRequestId(), new GrpcServiceException(Status.RESOURCE_EXHAUSTED.withDescription(
            "too many requests from device " + deviceId + ": at most " + limits.streamRequests().words()
                + " (fleet.limits.stream-requests); try again in " + Math.max(1, requests.nextIn().toSeconds()) + " s")));
        return;
      }
      try {
        handle(request);
      } catch (GrpcServiceException refused) {
        // A field the agent got wrong: refused with what was wrong, and the stream stays up.
        answer(request.getRequestId(), refused);
      }
    }

    private void handle(ConnectRequest request) {
      switch (request.getMessageCase()) {
        case HEARTBEAT -> {
          var hb = request.getHeartbeat();
          String wrong = InputRules.heartbeatProblem(hb);
          if (wrong != null) {
            // Heartbeats are not answered; a real agent never sends these, so it is logged, not stored.
            if (heartbeatsInvalid++ % 1000 == 0) {
              log.info("device {} sent a heartbeat that was dropped ({} so far): {}", deviceId, heartbeatsInvalid, wrong);
            }
            return;
          }
          device.tell(
              new DeviceEntity.Heartbeat(
                  clock.instant(),
                  TelemetryWire.fromProto(hb.getTelemetry()),
                  hb.getAppliedPolicyVersion(),
                  hb.getAgentVersion(),
                  connection,
                  credentialHash));
        }
        case POLICY_ACK ->
            device
                .<DeviceSummary>askWithStatus(
                    replyTo -> new DeviceEntity.AckPolicy(request.getPolicyAck().getPolicyVersion(), replyTo),
                    askTimeout)
                .whenComplete((summary, failure) -> answer(request.getRequestId(), failure));
        case PAUSE_REQUEST -> {
          var pause = request.getPauseRequest();
          Duration duration = InputRules.duration("pause_request.duration", pause.getDuration());
          Instant asked = pause.hasRequestTime()
              ? InputRules.time("pause_request.request_time", pause.getRequestTime()) : null;
          ask(request, replyTo -> new DeviceEntity.StartPause(request.getRequestId(), duration, asked, replyTo));
        }
        case RESUME_REQUEST -> ask(request, replyTo -> new DeviceEntity.EndPause(request.getRequestId(), replyTo));
        case EXEMPTION_REQUEST -> {
          var exemption = request.getExemptionRequest();
          try {
            var scope = ProtoMapping.fromProto(exemption.getScope());
            var reason = ProtoMapping.fromProto(exemption.getReason());
            String comment = InputRules.comment(exemption.getComment());
            Instant asked = exemption.hasRequestTime()
                ? InputRules.time("exemption_request.request_time", exemption.getRequestTime()) : null;
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
        // If the agent hung up already, it sends the request again when it is back.
        failQuietly(acks, new GrpcServiceException(Status.UNAVAILABLE.withDescription("request " + requestId
            + " of device " + deviceId + ": the controller did not answer in time; reconnect and send it again")));
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
   * The device a call speaks for. The credential names its device, so a credential presented for
   * another device's id is caught here, before any entity is asked.
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
    String named = SignedSecrets.deviceIdOf(credential).orElseThrow(() -> new GrpcServiceException(
        Status.UNAUTHENTICATED.withDescription("the device credential is malformed")));
    if (!named.equals(claimed)) {
      throw new GrpcServiceException(
          Status.PERMISSION_DENIED.withDescription(
              "the credential belongs to another device than " + claimed));
    }
    return claimed;
  }

  public static Optional<String> bearer(Metadata metadata) {
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
