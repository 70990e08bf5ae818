package io.fleetcontrol.controller.agent;

import com.google.protobuf.InvalidProtocolBufferException;
import io.fleetcontrol.controller.grpc.GrpcErrors;
import io.fleetcontrol.controller.grpc.RateLimit;
import io.fleetcontrol.controller.grpc.ServiceBinding;
import io.fleetcontrol.controller.metrics.FleetMetrics;
import io.fleetcontrol.controller.security.SignedSecrets;
import io.fleetcontrol.device.AgentPush;
import io.fleetcontrol.device.DeviceCommand;
import io.fleetcontrol.device.DeviceCredential;
import io.fleetcontrol.device.DeviceEntity;
import io.fleetcontrol.device.DeviceSummary;
import io.fleetcontrol.policy.SharedStrings;
import io.fleetcontrol.proto.v1.ConnectRequest;
import io.fleetcontrol.proto.v1.ConnectResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.grpc.GrpcServiceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's agent streams: attaching one to its device's entity, carrying the entity's pushes
 * down it and the agent's messages up ({@link AgentStream}), closing the silent ones, and telling
 * the entities where their streams are after a node left the cluster.
 */
public final class AgentStreams {

  private static final Logger log = LoggerFactory.getLogger(AgentStreams.class);
  /** Writes that may wait for a connection that does not take them (pushes and answers). */
  private static final int WAITING_WRITES = 80;

  private final ActorSystem<?> system;
  private final ClusterSharding sharding;
  private final SignedSecrets credentials;
  private final Duration askTimeout;
  private final Clock clock;
  private final AgentLimits limits;
  private final FleetMetrics metrics;
  /** This node's attached streams and their devices, for {@link #announceOpenStreams}. */
  private final Map<ActorRef<AgentPush>, OpenStream> openStreams = new ConcurrentHashMap<>();
  private final RateLimit.PerKey heartbeatsByDevice;
  private final RateLimit.PerKey requestsByDevice;
  private final RateLimit.PerKey connectsByDevice;
  private final AtomicLong streamNumbers = new AtomicLong();

  /** A stream attached on this node: its device, the credential it opened with, and its handler. */
  private record OpenStream(EntityRef<DeviceCommand> device, String credentialHash, AgentStream handler) {}

  public AgentStreams(ActorSystem<?> system, SignedSecrets credentials, Duration askTimeout, AgentLimits limits,
      Clock clock, FleetMetrics metrics) {
    this.system = system;
    this.metrics = metrics;
    this.sharding = ClusterSharding.get(system);
    this.credentials = credentials;
    this.askTimeout = askTimeout;
    this.clock = clock;
    this.limits = limits;
    // Per device, not per stream, so a device reconnecting does not start over with a full allowance.
    this.heartbeatsByDevice = new RateLimit.PerKey(limits.heartbeats(), limits.trackedDevices(), System::nanoTime);
    this.requestsByDevice = new RateLimit.PerKey(limits.streamRequests(), limits.trackedDevices(), System::nanoTime);
    this.connectsByDevice = new RateLimit.PerKey(limits.connectsPerDevice(), limits.trackedDevices(), System::nanoTime);
    metrics.streamsOpen(openStreams, Map::size);
    Duration sweep = Duration.ofSeconds(5);
    system.scheduler().scheduleAtFixedRate(sweep, sweep, this::closeSilentStreams, system.executionContext());
  }

  /**
   * Attaches a device's stream: {@code presentedId} is the one its credential names ({@link
   * io.fleetcontrol.controller.security.AgentAuth}); the credential is checked against its signature here and
   * against the device's current one by its entity. Returns where the agent's messages go; none is
   * read before the entity took the stream.
   */
  public ServiceBinding.Incoming<ConnectRequest> connect(ServerCallStreamObserver<ConnectResponse> out,
      String presentedId, String credential) {
    String credentialHash;
    String deviceId;
    try {
      String nonce = credentials.nonceOf(presentedId, credential).orElseThrow(() -> new GrpcServiceException(
          Status.UNAUTHENTICATED.withDescription("the device credential of " + presentedId + " is not valid")));
      credentialHash = DeviceCredential.hashSecret(nonce);
      // One copy for the stream, its limits, presence and this node's shard region (SharedStrings).
      deviceId = SharedStrings.of(presentedId);
      // After the credential is checked, so made-up ids cannot fill the table; before the entity is asked.
      if (!connectsByDevice.tryTake(deviceId)) {
        throw new GrpcServiceException(Status.RESOURCE_EXHAUSTED.withDescription("device " + deviceId
            + " connects too often: at most " + limits.connectsPerDevice().words()
            + " (fleet.limits.connects-per-device); try again in "
            + Math.max(1, connectsByDevice.nextIn(deviceId).toSeconds()) + " s"));
      }
    } catch (GrpcServiceException e) {
      out.onError(e.getStatus().asRuntimeException());
      return ServiceBinding.ignoring();
    }

    out.disableAutoRequest();
    EntityRef<DeviceCommand> device = sharding.entityRefFor(DeviceEntity.ENTITY_KEY, deviceId);
    AtomicBoolean ended = new AtomicBoolean();
    ActorRef<Object> connection = system.systemActorOf(
        AgentConnection.create(deviceId, out, WAITING_WRITES, stopped -> {
          ended.set(true);
          forget(stopped, device);
        }),
        "agent-stream-" + streamNumbers.incrementAndGet(), Props.empty());
    ActorRef<AgentPush> pushes = connection.narrow();
    AgentStream handler = new AgentStream(deviceId, device, connection, credentialHash,
        bucketOf(heartbeatsByDevice, deviceId), bucketOf(requestsByDevice, deviceId), limits, askTimeout, clock, metrics);
    // Before the entity has the ref, so it is the first message the connection reads.
    connection.tell(new AgentConnection.Start(handler));
    out.setOnReadyHandler(() -> connection.tell(AgentConnection.Ready.READY));

    device
        .<DeviceSummary>askWithStatus(replyTo -> new DeviceCommand.AttachConnection(credentialHash, pushes, replyTo),
            askTimeout)
        .whenComplete((summary, failure) -> {
          if (failure != null) {
            connection.tell(new AgentConnection.Close(GrpcErrors.fromAttach(deviceId, failure).getStatus()));
          } else {
            openStreams.put(pushes, new OpenStream(device, credentialHash, handler));
            if (ended.get()) {
              // The stream ended while the entity was taking it: whichever of the two sees both, forgets it.
              forget(pushes, device);
            } else {
              out.request(1);
            }
          }
        });
    return new ServiceBinding.Incoming<>() {
      @Override
      public void onMessage(ConnectRequest message) {
        handler.onMessage(message);
        out.request(1);
      }

      @Override
      public void onUndecodable(InvalidProtocolBufferException problem) {
        // The agent sent bytes that are no ConnectRequest: it hears why its stream ends.
        connection.tell(new AgentConnection.Close(Status.INVALID_ARGUMENT.withDescription(
            "a message on the stream is not a valid ConnectRequest: " + problem.getMessage())));
      }

      @Override
      public void onEnd(boolean cancelled) {
        connection.tell(cancelled ? AgentConnection.End.CANCELLED : AgentConnection.End.FINISHED);
      }
    };
  }

  /** A stream that ended: the entity stops pushing to it, if it ever took it (once, whoever calls first). */
  private void forget(ActorRef<AgentPush> stream, EntityRef<DeviceCommand> device) {
    if (openStreams.remove(stream) != null) {
      device.tell(new DeviceCommand.DetachConnection(stream));
    }
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

  /** The device's bucket, kept across its streams; a fresh one only while the table is full of busy devices. */
  private static RateLimit.Bucket bucketOf(RateLimit.PerKey perDevice, String deviceId) {
    RateLimit.Bucket bucket = perDevice.bucket(deviceId);
    return bucket != null ? bucket : perDevice.limit().newBucket(System::nanoTime);
  }
}
