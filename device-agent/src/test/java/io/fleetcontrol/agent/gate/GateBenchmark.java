package io.fleetcontrol.agent.gate;

import io.fleetcontrol.policy.DeviceIdentity;
import com.typesafe.config.ConfigFactory;
import io.fleetcontrol.agent.AgentSettings;
import io.fleetcontrol.agent.DeviceAgent;
import io.fleetcontrol.agent.link.AgentClients;
import io.fleetcontrol.agent.link.AgentWire;
import io.fleetcontrol.agent.link.ControllerAddress;
import io.fleetcontrol.agent.localapi.LocalApi;
import io.fleetcontrol.agent.state.AgentCacheFile;
import io.fleetcontrol.agent.state.AgentState;
import io.fleetcontrol.agent.telemetry.FixedTelemetry;
import io.fleetcontrol.agent.telemetry.UploadMeter;
import io.fleetcontrol.policy.BandwidthRules;
import io.fleetcontrol.policy.BatteryRules;
import io.fleetcontrol.policy.CaptureKind;
import io.fleetcontrol.policy.CaptureRequest;
import io.fleetcontrol.policy.Decision;
import io.fleetcontrol.policy.PauseRules;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.policy.TargetRule;
import io.fleetcontrol.policy.UploadCounters;
import io.fleetcontrol.proto.agent.v1.CaptureGateServiceClient;
import io.fleetcontrol.proto.agent.v1.CheckCaptureRequest;
import io.fleetcontrol.proto.agent.v1.CheckCaptureResponse;
import io.fleetcontrol.proto.agent.v1.GateAnswer;
import io.fleetcontrol.proto.agent.v1.GateCall;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What a capture tool pays to ask the gate: in process ({@link CaptureGate#check}), over the gate
 * socket (a Unix domain socket, one call and its answer), and over the local gRPC API on 127.0.0.1. The agent runs offline from a cache holding a
 * policy with a 200-entry allowlist and a 50-entry denylist, as a laptop on a train would; requests
 * cycle through hits, misses and denials. Not a test: run it by hand (README "The agent").
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class GateBenchmark {

  private ActorSystem<Void> system;
  private DeviceAgent agent;
  private ServerBinding localApi;
  private CaptureGateServiceClient client;
  private String authorization;
  private CaptureRequest[] requests;
  private CheckCaptureRequest[] wireRequests;
  private GateCall[] socketCalls;
  private GateSocket socket;
  private GateSocketClient socketClient;
  private int next;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    Policy policy = benchPolicy();
    Path stateDir = Files.createTempDirectory("gate-bench");
    new AgentCacheFile(stateDir.resolve("cache.bin")).write(
        AgentWire.toCache("bench-laptop", AgentState.EMPTY.withPolicy(policy).withContact(Instant.now()),
            UploadCounters.EMPTY, List.of()));
    system = ActorSystem.create(Behaviors.empty(), "gate-bench", ConfigFactory.parseString("""
        pekko.loglevel = WARNING
        pekko.http.server.enable-http2 = on
        pekko.http.server.preview.enable-http2 = on
        """).withFallback(ConfigFactory.load()));
    // No controller listens on port 1: the agent stays offline and the gate answers from the cache.
    AgentSettings settings = AgentSettings.fromConfig(system.settings().config())
        .withController(new ControllerAddress("127.0.0.1", 1, false))
        .withEnrollmentToken("none")
        .withIdentity(new DeviceIdentity("bench-laptop", "bench@example.com", "US", Map.of(), "test", "America/New_York"));
    agent = DeviceAgent.start(system, settings, AgentClients.create(system, settings.controller()),
        FixedTelemetry.unknown(), new UploadMeter(), stateDir.resolve("cache.bin"), Clock.systemUTC());
    String token = LocalApi.writeNewToken(stateDir.resolve("local-api.token"));
    authorization = "Bearer " + token;
    localApi = LocalApi.start(system, agent, "127.0.0.1", 0, token).toCompletableFuture().get(10, TimeUnit.SECONDS);
    client = CaptureGateServiceClient.create(
        GrpcClientSettings.connectToServiceAt("127.0.0.1", localApi.localAddress().getPort(), system).withTls(false),
        system);

    requests = new CaptureRequest[] {
      CaptureRequest.inApp(CaptureKind.CLICKS, "com.vendor.app42"),
      CaptureRequest.onSite(CaptureKind.KEYSTROKES, "a.b.work10.example.com"),
      CaptureRequest.onSite(CaptureKind.POINTER, "tool7.example.com"),
      CaptureRequest.onSite(CaptureKind.CLICKS, "mail.private4.com"),
      CaptureRequest.inApp(CaptureKind.KEYSTROKES, "com.personal.app3"),
      CaptureRequest.inApp(CaptureKind.SCREENSHOTS, "com.spotify.client"),
      CaptureRequest.onSite(CaptureKind.CLICKS, "news.example.org"),
      CaptureRequest.onSite(CaptureKind.SCREENSHOTS, "Docs.Work20.Example.com."),
    };
    wireRequests = new CheckCaptureRequest[requests.length];
    for (int i = 0; i < requests.length; i++) {
      CaptureRequest r = requests[i];
      CheckCaptureRequest.Builder b = CheckCaptureRequest.newBuilder()
          .setKind(io.fleetcontrol.proto.v1.CaptureKind.valueOf("CAPTURE_KIND_" + r.kind().name()));
      wireRequests[i] = (r.appId() != null ? b.setAppId(r.appId()) : b.setSiteHost(r.siteHost())).build();
    }
    socketCalls = new GateCall[wireRequests.length];
    for (int i = 0; i < wireRequests.length; i++) {
      socketCalls[i] = GateCall.newBuilder().setCheckCapture(wireRequests[i]).build();
    }
    socket = GateSocket.start(agent.gate(), stateDir.resolve("gate.sock"),
        LocalApi.maxMessageBytes(system.settings().config()));
    socketClient = GateSocketClient.connect(socket.path());
    if (agent.gate().policyVersion() != 1 || !agent.gate().check(requests[0]).allowed()) {
      throw new IllegalStateException("the gate did not restore the bench policy: " + agent.gate().check(requests[0]));
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    client.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    socketClient.close();
    socket.close();
    agent.stop();
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Benchmark
  public Decision inProcess() {
    CaptureRequest request = requests[next];
    next = next + 1 == requests.length ? 0 : next + 1;
    return agent.gate().check(request);
  }

  @Benchmark
  public CheckCaptureResponse localEndpoint() throws Exception {
    CheckCaptureRequest request = wireRequests[next];
    next = next + 1 == wireRequests.length ? 0 : next + 1;
    return client.checkCapture().addHeader("authorization", authorization).invoke(request)
        .toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @Benchmark
  public GateAnswer gateSocket() throws Exception {
    GateCall call = socketCalls[next];
    next = next + 1 == socketCalls.length ? 0 : next + 1;
    return socketClient.call(call);
  }

  /** 200 allowlist entries (100 apps, 50 exact and 50 wildcard sites), 50 denylist entries, every rule set. */
  static Policy benchPolicy() {
    List<TargetRule> allow = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      allow.add(TargetRule.app("com.vendor.app" + i));
      allow.add(TargetRule.site(i % 2 == 0 ? "*.work" + i + ".example.com" : "tool" + i + ".example.com"));
    }
    List<TargetRule> deny = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      deny.add(i % 2 == 0 ? TargetRule.site("*.private" + i + ".com") : TargetRule.app("com.personal.app" + i));
    }
    // No schedule: outside working hours every request would stop at the first rule and look cheap.
    return new Policy("bench", 1, EnumSet.allOf(CaptureKind.class), allow, deny, PauseRules.DEFAULT, null,
        new BandwidthRules(500_000_000, 5_000_000_000L, BandwidthRules.MeteredNetworkAction.DEFER, 0),
        new BatteryRules(0, false), Set.of("US"), Duration.ofHours(24), Duration.ofSeconds(30), "");
  }
}
