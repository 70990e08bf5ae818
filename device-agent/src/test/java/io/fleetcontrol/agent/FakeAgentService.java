package io.fleetcontrol.agent;

import io.fleetcontrol.agent.link.ControllerStream;
import io.fleetcontrol.proto.v1.AgentServicePowerApi;
import io.fleetcontrol.proto.v1.ConnectRequest;
import io.fleetcontrol.proto.v1.ConnectResponse;
import io.fleetcontrol.proto.v1.EnrollRequest;
import io.fleetcontrol.proto.v1.EnrollResponse;
import io.fleetcontrol.proto.v1.ExemptionUpdate;
import io.fleetcontrol.proto.v1.PauseUpdate;
import io.fleetcontrol.proto.v1.Policy;
import io.fleetcontrol.proto.v1.PolicyUpdate;
import io.fleetcontrol.proto.v1.RequestAck;
import io.grpc.Status;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.grpc.javadsl.Metadata;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.javadsl.Source;

/**
 * A controller stand-in that speaks the agent protocol: checks the token and the credential,
 * pushes the policy, the pause and the exemptions on connect, answers policy acks. Employee requests
 * wait for the test to answer them. Tests steer it (refuse, fail streams, push, answer) and read
 * what it saw, either as events or as per-device totals.
 */
public final class FakeAgentService implements AgentServicePowerApi {

  public sealed interface Seen {}

  record EnrollSeen(EnrollRequest request) implements Seen {}

  record ConnectSeen(String deviceId, String authorization) implements Seen {}

  public record RequestSeen(String deviceId, ConnectRequest request, Instant receivedAt) implements Seen {}

  private final ActorSystem<?> system;
  private final String enrollmentToken;
  private final Consumer<Seen> observer;
  private final Map<String, String> deviceOfCredential = new ConcurrentHashMap<>();
  private final Map<String, EnrollRequest> enrollments = new ConcurrentHashMap<>();
  private final Map<String, Long> ackedVersions = new ConcurrentHashMap<>();
  private final List<BoundedSourceQueue<ConnectResponse>> openStreams = new CopyOnWriteArrayList<>();
  private final AtomicInteger enrollCount = new AtomicInteger();
  private final AtomicInteger enrollFailuresLeft = new AtomicInteger();
  private final AtomicInteger connectRefusalsLeft = new AtomicInteger();
  private volatile Status connectRefusal = Status.UNAUTHENTICATED;
  private volatile Policy policy;
  private volatile PauseUpdate pause = PauseUpdate.newBuilder().setPausesLeftToday(3).build();
  private volatile ExemptionUpdate exemptions = ExemptionUpdate.getDefaultInstance();

  public FakeAgentService(ActorSystem<?> system, String enrollmentToken, Consumer<Seen> observer) {
    this.system = system;
    this.enrollmentToken = enrollmentToken;
    this.observer = observer;
  }

  // --- steering ---

  public void assignPolicy(Policy newPolicy) {
    policy = newPolicy;
  }

  /** Sends the policy down every open stream, as the controller does when it changes. */
  void pushPolicy(Policy newPolicy) {
    policy = newPolicy;
    pushToAll(policyUpdate(newPolicy));
  }

  /** As the controller does when a pause starts or ends, and on connect. */
  void pushPause(PauseUpdate update) {
    pause = update;
    pushToAll(ConnectResponse.newBuilder().setPauseUpdate(update).build());
  }

  /** As the controller does when an exemption changes, and on connect. */
  void pushExemptions(ExemptionUpdate update) {
    exemptions = update;
    pushToAll(ConnectResponse.newBuilder().setExemptionUpdate(update).build());
  }

  /** The controller's answer to an employee request, sent down every open stream. */
  void answer(String requestId, boolean accepted, String message) {
    pushToAll(
        ConnectResponse.newBuilder()
            .setRequestAck(RequestAck.newBuilder().setRequestId(requestId).setAccepted(accepted).setMessage(message))
            .build());
  }

  /** As a controller does that found a stream again after one of its nodes went away. */
  void requestHeartbeat() {
    pushToAll(ConnectResponse.newBuilder()
        .setHeartbeatRequest(io.fleetcontrol.proto.v1.HeartbeatRequest.getDefaultInstance()).build());
  }

  private void pushToAll(ConnectResponse response) {
    openStreams.forEach(stream -> stream.offer(response));
  }

  void refuseNextConnects(int times, Status status) {
    connectRefusal = status;
    connectRefusalsLeft.set(times);
  }

  void failNextEnrollments(int times) {
    enrollFailuresLeft.set(times);
  }

  /** Fails every open stream as a restarting controller would. */
  void failOpenStreams() {
    openStreams.forEach(stream -> {
      try {
        stream.fail(new GrpcServiceException(Status.UNAVAILABLE.withDescription("fake restarts")));
      } catch (IllegalStateException alreadyClosedByTheAgent) {
        // Nothing to fail.
      }
    });
    openStreams.clear();
  }

  // --- what it saw ---

  int enrollCount() {
    return enrollCount.get();
  }

  public Map<String, EnrollRequest> enrollments() {
    return Map.copyOf(enrollments);
  }

  public Map<String, Long> ackedVersions() {
    return Map.copyOf(ackedVersions);
  }

  // --- the protocol ---

  @Override
  public CompletionStage<EnrollResponse> enroll(EnrollRequest request, Metadata metadata) {
    int enrollment = enrollCount.incrementAndGet();
    observer.accept(new EnrollSeen(request));
    if (enrollFailuresLeft.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
      return failed(Status.UNAVAILABLE.withDescription("fake is busy"));
    }
    if (!enrollmentToken.equals(request.getEnrollmentToken())) {
      return failed(Status.UNAUTHENTICATED.withDescription("unknown enrollment token"));
    }
    String credential = "cred-" + enrollment;
    deviceOfCredential.put(credential, request.getDeviceId());
    enrollments.put(request.getDeviceId(), request);
    return CompletableFuture.completedFuture(
        EnrollResponse.newBuilder().setDeviceId(request.getDeviceId()).setDeviceCredential(credential).build());
  }

  @Override
  public Source<ConnectResponse, NotUsed> connect(Source<ConnectRequest, NotUsed> in, Metadata metadata) {
    String deviceId = metadata.getText(ControllerStream.DEVICE_ID_HEADER).orElse("");
    String authorization = metadata.getText(ControllerStream.AUTHORIZATION_HEADER).orElse("");
    observer.accept(new ConnectSeen(deviceId, authorization));
    if (connectRefusalsLeft.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
      return Source.failed(new GrpcServiceException(connectRefusal.withDescription("refused by the test")));
    }
    String owner = deviceOfCredential.get(authorization.replaceFirst("^Bearer ", ""));
    if (owner == null) {
      return Source.failed(new GrpcServiceException(Status.UNAUTHENTICATED.withDescription("unknown credential")));
    }
    if (!owner.equals(deviceId)) {
      return Source.failed(new GrpcServiceException(Status.PERMISSION_DENIED.withDescription("not your device")));
    }
    Pair<BoundedSourceQueue<ConnectResponse>, Source<ConnectResponse, NotUsed>> down =
        Source.<ConnectResponse>queue(64).preMaterialize(system);
    BoundedSourceQueue<ConnectResponse> toAgent = down.first();
    openStreams.add(toAgent);
    Policy current = policy;
    if (current != null) {
      toAgent.offer(policyUpdate(current));
    }
    toAgent.offer(ConnectResponse.newBuilder().setPauseUpdate(pause).build());
    toAgent.offer(ConnectResponse.newBuilder().setExemptionUpdate(exemptions).build());
    in.runForeach(request -> onRequest(deviceId, request, toAgent), system);
    return down.second();
  }

  private void onRequest(String deviceId, ConnectRequest request, BoundedSourceQueue<ConnectResponse> toAgent) {
    observer.accept(new RequestSeen(deviceId, request, Instant.now()));
    if (request.hasPolicyAck()) {
      ackedVersions.put(deviceId, request.getPolicyAck().getPolicy().getVersion());
      toAgent.offer(
          ConnectResponse.newBuilder()
              .setRequestAck(RequestAck.newBuilder().setRequestId(request.getRequestId()).setAccepted(true))
              .build());
    }
  }

  private static ConnectResponse policyUpdate(Policy policy) {
    return ConnectResponse.newBuilder().setPolicyUpdate(PolicyUpdate.newBuilder().setPolicy(policy)).build();
  }

  private static <T> CompletionStage<T> failed(Status status) {
    return CompletableFuture.failedFuture(new GrpcServiceException(status));
  }
}
