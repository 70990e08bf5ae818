package io.fleetcontrol.agent;

import io.fleetcontrol.policy.DeviceIdentity;
import io.fleetcontrol.agent.link.AgentClients;
import io.fleetcontrol.agent.localapi.EmployeeSocket;
import io.fleetcontrol.agent.localapi.LocalApi;
import io.fleetcontrol.agent.telemetry.FixedTelemetry;
import io.fleetcontrol.agent.telemetry.UploadMeter;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.proto.agent.v1.CaptureGateServiceClient;
import io.fleetcontrol.proto.v1.AgentServiceClient;
import io.fleetcontrol.wire.PolicyWire;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * A real agent enrolled with a fake controller on policy "default" v5, serving its local API on a
 * loopback port, with a capture-tool client and the API's token, and its employee socket in the
 * state directory for this process's user: what tests of the local API need.
 */
public final class LiveLocalAgent implements AutoCloseable {

  private static final Duration WAIT = Duration.ofSeconds(10);

  final FakeController controller;
  final AgentServiceClient agentClient;
  final DeviceAgent agent;
  final ServerBinding localApi;
  public final CaptureGateServiceClient gate;
  public final String token;
  public final EmployeeSocket employee;

  private LiveLocalAgent(FakeController controller, AgentServiceClient agentClient, DeviceAgent agent,
      ServerBinding localApi, CaptureGateServiceClient gate, String token, EmployeeSocket employee) {
    this.controller = controller;
    this.agentClient = agentClient;
    this.agent = agent;
    this.localApi = localApi;
    this.gate = gate;
    this.token = token;
    this.employee = employee;
  }

  public static LiveLocalAgent start(ActorTestKit testKit, String deviceId, Path stateDir) throws Exception {
    FakeAgentService fake = new FakeAgentService(testKit.system(), "enroll-me", testKit.<FakeAgentService.Seen>createTestProbe().ref()::tell);
    fake.assignPolicy(PolicyWire.toProto(Policy.starter("default", 5)));
    FakeController controller = FakeController.start(testKit.system(), fake);
    AgentServiceClient agentClient = AgentClients.create(testKit.system(), controller.address());
    AgentSettings settings = AgentSettings.fromConfig(testKit.system().settings().config())
        .withController(controller.address())
        .withEnrollmentToken("enroll-me")
        .withIdentity(new DeviceIdentity(deviceId, "ada@example.com", "US", Map.of(), "test", "America/New_York"));
    DeviceAgent agent = DeviceAgent.start(testKit.system(), settings, agentClient, FixedTelemetry.unknown(),
        new UploadMeter(), stateDir.resolve("cache.bin"), Clock.systemUTC());
    await(agent.whenPolicyApplied(5));
    String token = LocalApi.writeNewToken(stateDir.resolve("local-api.token"));
    ServerBinding localApi = await(LocalApi.start(testKit.system(), agent, "127.0.0.1", 0, token));
    CaptureGateServiceClient gate = CaptureGateServiceClient.create(
        GrpcClientSettings.connectToServiceAt("127.0.0.1", localApi.localAddress().getPort(), testKit.system())
            .withTls(false),
        testKit.system());
    EmployeeSocket employee = EmployeeSocket.start(agent, stateDir.resolve("employee.sock"),
        System.getProperty("user.name"), 4 * 1024 * 1024);
    return new LiveLocalAgent(controller, agentClient, agent, localApi, gate, token, employee);
  }

  public DeviceAgent agent() {
    return agent;
  }

  public int port() {
    return localApi.localAddress().getPort();
  }

  @Override
  public void close() throws Exception {
    employee.close();
    agent.stop();
    gate.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    agentClient.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    controller.close();
  }

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }
}
