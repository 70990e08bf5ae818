package io.fleetcontrol.agent.localapi;

import io.fleetcontrol.agent.DeviceAgent;
import io.fleetcontrol.agent.gate.CaptureGate;
import io.fleetcontrol.policy.CaptureKind;
import io.fleetcontrol.policy.CaptureRequest;
import io.fleetcontrol.policy.Decision;
import io.fleetcontrol.policy.UploadCounters;
import io.fleetcontrol.proto.agent.v1.CaptureGateServicePowerApi;
import io.fleetcontrol.proto.agent.v1.CheckCaptureRequest;
import io.fleetcontrol.proto.agent.v1.CheckCaptureResponse;
import io.fleetcontrol.proto.agent.v1.ReportUploadRequest;
import io.fleetcontrol.proto.agent.v1.ReportUploadResponse;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.grpc.javadsl.Metadata;

/**
 * The capture tool's gate over the agent in this process: on gRPC (every call carries the local
 * token) and, through the static methods, on the gate socket. Bad input is refused with
 * INVALID_ARGUMENT naming the field, before anything changes. The employee's controls are {@link
 * EmployeeApi}.
 */
public final class LocalApiServices implements CaptureGateServicePowerApi {

  private final DeviceAgent agent;
  private final byte[] token;

  LocalApiServices(DeviceAgent agent, String token) {
    this.agent = agent;
    this.token = token.getBytes(StandardCharsets.US_ASCII);
  }

  // --- the capture tool ---

  @Override
  public CompletionStage<CheckCaptureResponse> checkCapture(CheckCaptureRequest in, Metadata metadata) {
    authorize(metadata);
    return done(checkCapture(agent.gate(), in));
  }

  @Override
  public CompletionStage<ReportUploadResponse> reportUpload(ReportUploadRequest in, Metadata metadata) {
    authorize(metadata);
    return done(reportUpload(agent.gate(), in));
  }

  /** The gate's answer, shared by this API and the socket fast path; bad input throws INVALID_ARGUMENT. */
  public static CheckCaptureResponse checkCapture(CaptureGate gate, CheckCaptureRequest in) {
    CaptureKind kind = kind(in.getKindValue());
    CaptureRequest request = switch (in.getTargetCase()) {
      case APP_ID -> CaptureRequest.inApp(kind, nonBlank("app_id", in.getAppId()));
      case SITE_HOST -> CaptureRequest.onSite(kind, nonBlank("site_host", in.getSiteHost()));
      case TARGET_NOT_SET -> throw invalid("target: set app_id or site_host");
    };
    Decision decision = gate.check(request);
    return CheckCaptureResponse.newBuilder()
        .setAllowed(decision.allowed())
        .setCaptureState(captureState(decision))
        .setRule(decision.rule().name())
        .setReason(decision.reason())
        .setPolicyVersion(gate.policyVersion())
        .build();
  }

  public static ReportUploadResponse reportUpload(CaptureGate gate, ReportUploadRequest in) {
    if (in.getBytes() < 0) {
      throw invalid("bytes: cannot be negative, got " + in.getBytes());
    }
    UploadCounters counted = gate.reportUpload(in.getBytes());
    return ReportUploadResponse.newBuilder()
        .setUploadedBytesToday(counted.bytesToday())
        .setUploadedBytesThisMonth(counted.bytesThisMonth())
        .build();
  }

  // --- helpers ---


  private void authorize(Metadata metadata) {
    String presented = metadata.getText("authorization").orElse("");
    byte[] expected = ("Bearer " + new String(token, StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII);
    if (!MessageDigest.isEqual(expected, presented.getBytes(StandardCharsets.US_ASCII))) {
      throw new GrpcServiceException(Status.UNAUTHENTICATED.withDescription(
          "missing or wrong local token: send \"authorization: Bearer <token>\" with the token from the agent's token file"));
    }
  }

  private static CaptureKind kind(int value) {
    var kind = io.fleetcontrol.proto.v1.CaptureKind.forNumber(value);
    if (kind == null || kind == io.fleetcontrol.proto.v1.CaptureKind.CAPTURE_KIND_UNSPECIFIED) {
      throw invalid("kind: " + value + " is not a capture kind (POINTER, CLICKS, KEYSTROKES, MENU_SELECTIONS, "
          + "CLIPBOARD, SCREENSHOTS)");
    }
    return CaptureKind.valueOf(kind.name().substring("CAPTURE_KIND_".length()));
  }

  private static String nonBlank(String field, String value) {
    if (value.isBlank() || value.length() > 253) {
      throw invalid(field + ": must be 1..253 characters, got " + value.length());
    }
    return value;
  }

  static io.fleetcontrol.proto.v1.CaptureState captureState(Decision decision) {
    return io.fleetcontrol.proto.v1.CaptureState.valueOf("CAPTURE_STATE_" + decision.state().name());
  }

  static GrpcServiceException invalid(String message) {
    return new GrpcServiceException(Status.INVALID_ARGUMENT.withDescription(message));
  }

  static GrpcServiceException failedPrecondition(String message) {
    return new GrpcServiceException(Status.FAILED_PRECONDITION.withDescription(message));
  }

  static <T> CompletionStage<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
