package io.fleetcontrol.controller.agent;

import io.fleetcontrol.wire.WireTime;
import io.fleetcontrol.wire.ExemptionWire;
import io.fleetcontrol.controller.grpc.GrpcErrors;
import io.fleetcontrol.controller.grpc.ProtoMapping;
import io.fleetcontrol.controller.grpc.RateLimit;
import io.fleetcontrol.controller.security.SignedSecrets;
import io.fleetcontrol.device.AgentPush;
import io.fleetcontrol.device.DeviceEntity;
import io.fleetcontrol.device.DeviceCredential;
import io.fleetcontrol.device.DeviceCommand;
import io.fleetcontrol.device.DeviceSummary;
import io.fleetcontrol.proto.v1.ConnectRequest;
import io.fleetcontrol.proto.v1.ConnectResponse;
import io.fleetcontrol.proto.v1.ExemptionUpdate;
import io.fleetcontrol.proto.v1.HeartbeatRequest;
import io.fleetcontrol.proto.v1.Pause;
import io.fleetcontrol.proto.v1.PauseUpdate;
import io.fleetcontrol.proto.v1.PolicyUpdate;
import io.fleetcontrol.wire.PolicyWire;
import io.grpc.Status;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.typed.javadsl.ActorSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's agent streams: attaching one to its device's entity, carrying the entity's pushes
 * down it and the agent's messages up ({@link AgentStream}), closing the silent ones, and telling
 * the entities where their streams are after a node left the cluster.
 */
public final class AgentStreams {

  private static final Logger log = LoggerFactory.getLogger(AgentStreams.class);
  private static final int PUSH_BUFFER = 16;
  private static final int ACK_BUFFER = 64;

  private final ActorSystem<?> system;
  private final ClusterSharding sharding;
  private final SignedSecrets credentials;
  private final Duration askTimeout;
  private final Clock clock;
  private final AgentLimits limits;
  /** This node's attached streams and their devices, for {@link #announceOpenStreams}. */
  private final Map<ActorRef<AgentPush>, OpenStream> openStreams = new ConcurrentHashMap<>();
  private final RateLimit.PerKey heartbeatsByDevice;
  private final RateLimit.PerKey requestsByDevice;
  private final RateLimit.PerKey connectsByDevice;

  /** A stream attached on this node: its device, the credential it opened with, and its handler. */
  private record OpenStream(EntityRef<DeviceCommand> device, String credentialHash, AgentStream handler) {}

  public AgentStreams(ActorSystem<?> system, SignedSecrets credentials, Duration askTimeout, AgentLimits limits,
      Clock clock) {
    this.system = system;
    this.sharding = ClusterSharding.get(system);
    this.credentials = credentials;
    this.askTimeout = askTimeout;
    this.clock = clock;
    this.limits = limits;
    // Per device, not per stream, so a device reconnecting does not start over with a full allowance.
    this.heartbeatsByDevice = new RateLimit.PerKey(limits.heartbeats(), limits.trackedDevices(), System::nanoTime);
    this.requestsByDevice = new RateLimit.PerKey(limits.streamRequests(), limits.trackedDevices(), System::nanoTime);
    this.connectsByDevice = new RateLimit.PerKey(limits.connectsPerDevice(), limits.trackedDevices(), System::nanoTime);
    Duration sweep = Duration.ofSeconds(5);
    system.scheduler().scheduleAtFixedRate(sweep, sweep, this::closeSilentStreams, system.executionContext());
  }

  /**
   * Attaches a device's stream: {@code deviceId} is the one its credential names ({@link
   * io.fleetcontrol.controller.security.AgentAuth}); the credential is checked against its signature here and
   * against the device's current one by its entity.
   */
  public Source<ConnectResponse, NotUsed> connect(Source<ConnectRequest, NotUsed> in, String deviceId, String credential) {
    String credentialHash;
    try {
      String nonce = credentials.nonceOf(deviceId, credential).orElseThrow(() -> new GrpcServiceException(
          Status.UNAUTHENTICATED.withDescription("the device credential of " + deviceId + " is not valid")));
      credentialHash = DeviceCredential.hashSecret(nonce);
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
    EntityRef<DeviceCommand> device = sharding.entityRefFor(DeviceEntity.ENTITY_KEY, deviceId);

    CompletionStage<Source<ConnectResponse, NotUsed>> attached =
        device
            .<DeviceSummary>askWithStatus(
                replyTo ->
                    new DeviceCommand.AttachConnection(credentialHash, connection, replyTo),
                askTimeout)
            .handle(
                (summary, failure) -> {
                  if (failure != null) {
                    completeQuietly(acks.first());
                    throw GrpcErrors.fromAttach(deviceId, failure);
                  }
                  AgentStream handler = new AgentStream(deviceId, device, connection, credentialHash, acks.first(),
                      bucketOf(heartbeatsByDevice, deviceId), bucketOf(requestsByDevice, deviceId), limits, askTimeout, clock);
                  openStreams.put(connection, new OpenStream(device, credentialHash, handler));
                  in.via(handler.closer.flow()).runWith(Sink.foreach(handler::onMessage), system)
                      .whenComplete(
                          (done, error) -> {
                            openStreams.remove(connection);
                            device.tell(new DeviceCommand.DetachConnection(connection));
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
        .tell(new DeviceCommand.StreamStillOpen(open.getKey(), open.getValue().credentialHash())));
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

  static void failQuietly(BoundedSourceQueue<ConnectResponse> queue, Throwable why) {
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
      var update = PauseUpdate.newBuilder().setPausesLeftToday(pause.pausesLeftToday().count());
      if (pause.pauseEnd() != null) {
        update.setActivePause(Pause.newBuilder()
            .setStartTime(WireTime.toProto(pause.pauseStart()))
            .setEndTime(WireTime.toProto(pause.pauseEnd())));
      }
      response.setPauseUpdate(update);
    } else if (push instanceof AgentPush.ExemptionsChanged exemptions) {
      var update = ExemptionUpdate.newBuilder();
      exemptions.exemptions().forEach(e -> update.addExemptions(ExemptionWire.toProto(exemptions.deviceId(), e)));
      response.setExemptionUpdate(update);
    } else {
      throw new IllegalArgumentException("no wire form for " + push);
    }
    return response.build();
  }
}
