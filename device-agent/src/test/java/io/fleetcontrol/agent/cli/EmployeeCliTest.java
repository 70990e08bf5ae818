package io.fleetcontrol.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.agent.FakeController;
import io.fleetcontrol.agent.LiveLocalAgent;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.proto.agent.v1.CaptureGateServiceClient;
import io.fleetcontrol.proto.agent.v1.CheckCaptureRequest;
import io.fleetcontrol.proto.agent.v1.CheckCaptureResponse;
import io.fleetcontrol.proto.v1.CaptureKind;
import io.fleetcontrol.proto.v1.CaptureState;
import io.grpc.Status;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The employee CLI (over the employee socket) and a capture tool (over the local API) against a
 * live agent: what they print and what they are told, read the way a person or a tool would read it.
 */
class EmployeeCliTest {

  private static final ActorTestKit testKit = ActorTestKit.create(FakeController.TEST_CONFIG);
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir static Path stateDir;

  private static LiveLocalAgent live;
  private static CaptureGateServiceClient gate;
  private static String token;

  @BeforeAll
  static void startAgent() throws Exception {
    live = LiveLocalAgent.start(testKit, "laptop-7", stateDir);
    gate = live.gate;
    token = live.token;
  }

  @AfterAll
  static void stopAll() throws Exception {
    live.close();
    testKit.shutdownTestKit();
  }

  @Test
  void statusSaysTheStateAndWhyInPlainWords() {
    Result status = cli("status");
    assertEquals(0, status.code, status.err);
    assertTrue(status.out.contains("Capture: ON"), status.out);
    assertTrue(status.out.contains("Why: "), status.out);
    assertTrue(status.out.contains("Laptop: laptop-7 (ada@example.com), in US, America/New_York"), status.out);
    assertTrue(status.out.contains("Controller: connected"), status.out);
    assertTrue(status.out.contains("Policy: default version 5"), status.out);
    assertTrue(status.out.contains("Battery: unknown"), status.out);
  }

  @Test
  void policyListsAppsSitesKindsAndLimitsInPlainWords() {
    Result policy = cli("policy");
    assertEquals(0, policy.code, policy.err);
    assertTrue(policy.out.contains("What may be captured: pointer, clicks, keystrokes, menu selections"), policy.out);
    assertTrue(policy.out.contains("Only in these apps: com.microsoft.Excel, com.microsoft.Word, slack"), policy.out);
    assertTrue(policy.out.contains("Only on these sites: *.atlassian.net, docs.google.com"), policy.out);
    assertTrue(policy.out.contains("Never on these sites: mail.google.com, *.bank.com"), policy.out);
    assertTrue(policy.out.contains("Where: only while this laptop is in US"), policy.out);
    assertTrue(policy.out.contains("Pauses: up to 30 minutes each"), policy.out);
    assertTrue(policy.out.contains("Uploads: 0 bytes today"), policy.out);
    assertTrue(policy.out.contains("Exemptions: none"), policy.out);
  }

  @Test
  void aPauseTakesEffectAtOnceAndStatusShowsItThenResumeEndsIt() {
    Result paused = cli("pause", "10m");
    assertEquals(0, paused.code, paused.err);
    assertTrue(paused.out.startsWith("Paused until "), paused.out);
    Result status = cli("status");
    assertTrue(status.out.contains("Capture: OFF, paused by you"), status.out);
    assertTrue(status.out.contains("Pause: paused until "), status.out);
    assertTrue(status.out.contains("Waiting for the controller: 1 request(s)"), status.out);

    Result resumed = cli("resume");
    assertEquals(0, resumed.code, resumed.err);
    assertTrue(cli("status").out.contains("Capture: ON"));
  }

  @Test
  void badPausesAreRefusedWithTheReasonAndChangeNothing() {
    Result tooLong = cli("pause", "9h");
    assertEquals(1, tooLong.code);
    assertTrue(tooLong.err.contains("at most 30 minutes"), tooLong.err);
    Result notADuration = cli("pause", "banana");
    assertEquals(2, notADuration.code);
    assertTrue(notADuration.err.contains("not a duration"), notADuration.err);
    assertTrue(cli("status").out.contains("Pause: not paused"));
  }

  @Test
  void anExemptionRequestIsListedWhileItWaitsForTheController() {
    Result asked = cli("exemption", "request", "--scope", "no-screenshots", "--reason", "sensitive-work",
        "--comment", "payroll week");
    assertEquals(0, asked.code, asked.err);
    Result list = cli("exemption", "list");
    assertTrue(list.out.contains("(waiting for the controller)  no screenshots"), list.out);
    Result badScope = cli("exemption", "request", "--scope", "everything", "--reason", "other");
    assertEquals(2, badScope.code);
    assertTrue(badScope.err.contains("--scope"), badScope.err);
  }

  @Test
  void aCaptureToolAsksTheGateOverTheLocalApi() throws Exception {
    CheckCaptureResponse excel = await(gate.checkCapture().addHeader("authorization", "Bearer " + token)
        .invoke(CheckCaptureRequest.newBuilder().setKind(CaptureKind.CAPTURE_KIND_KEYSTROKES)
            .setAppId("com.microsoft.Excel").build()));
    assertTrue(excel.getAllowed(), excel.toString());
    assertEquals(5, excel.getPolicyVersion());
    CheckCaptureResponse mail = await(gate.checkCapture().addHeader("authorization", "Bearer " + token)
        .invoke(CheckCaptureRequest.newBuilder().setKind(CaptureKind.CAPTURE_KIND_CLICKS)
            .setSiteHost("mail.google.com").build()));
    assertEquals("DENYLIST", mail.getRule());
    assertEquals(CaptureState.CAPTURE_STATE_ACTIVE, mail.getCaptureState());

    assertEquals(Status.Code.UNAUTHENTICATED, failure(gate.checkCapture()
        .invoke(CheckCaptureRequest.newBuilder().setKind(CaptureKind.CAPTURE_KIND_CLICKS).setAppId("x").build())));
    Status noKind = status(gate.checkCapture().addHeader("authorization", "Bearer " + token)
        .invoke(CheckCaptureRequest.newBuilder().setAppId("slack").build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, noKind.getCode());
    assertTrue(noKind.getDescription().startsWith("kind:"), noKind.getDescription());
  }

  @Test
  void withoutARunningAgentTheCliSaysSoAndExitsOne(@TempDir Path noAgentHere) {
    Result down = cli("status", "--state-dir", noAgentHere.toString());
    assertEquals(1, down.code);
    assertTrue(down.err.contains("not running"), down.err);
  }

  // --- helpers ---

  private record Result(int code, String out, String err) {}

  private static Result cli(String... args) {
    java.util.List<String> line = new java.util.ArrayList<>(java.util.List.of(args));
    if (!line.contains("--state-dir")) {
      line.addAll(java.util.List.of("--state-dir", stateDir.toString()));
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = AgentMain.run(line.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
    return new Result(code, out.toString(), err.toString());
  }

  private static Status.Code failure(CompletionStage<?> call) {
    return status(call).getCode();
  }

  private static Status status(CompletionStage<?> call) {
    try {
      call.toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
      throw new AssertionError("expected a refusal");
    } catch (ExecutionException e) {
      return Status.fromThrowable(e.getCause());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }
}
