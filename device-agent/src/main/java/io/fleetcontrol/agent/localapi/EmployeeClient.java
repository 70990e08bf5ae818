package io.fleetcontrol.agent.localapi;

import io.fleetcontrol.proto.agent.v1.AcknowledgeNoticeRequest;
import io.fleetcontrol.proto.agent.v1.AcknowledgeNoticeResponse;
import io.fleetcontrol.proto.agent.v1.EmployeeAnswer;
import io.fleetcontrol.proto.agent.v1.EmployeeCall;
import io.fleetcontrol.proto.agent.v1.EndPauseRequest;
import io.fleetcontrol.proto.agent.v1.EndPauseResponse;
import io.fleetcontrol.proto.agent.v1.GetPolicyRequest;
import io.fleetcontrol.proto.agent.v1.GetPolicyResponse;
import io.fleetcontrol.proto.agent.v1.GetStatusRequest;
import io.fleetcontrol.proto.agent.v1.GetStatusResponse;
import io.fleetcontrol.proto.agent.v1.ListExemptionsRequest;
import io.fleetcontrol.proto.agent.v1.ListExemptionsResponse;
import io.fleetcontrol.proto.agent.v1.OpenPageRequest;
import io.fleetcontrol.proto.agent.v1.OpenPageResponse;
import io.fleetcontrol.proto.agent.v1.RequestExemptionRequest;
import io.fleetcontrol.proto.agent.v1.RequestExemptionResponse;
import io.fleetcontrol.proto.agent.v1.StartPauseRequest;
import io.fleetcontrol.proto.agent.v1.StartPauseResponse;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * The employee's end of {@link EmployeeSocket}, for `fleet-agent status`, `pause` and the rest: one
 * connection, a call, its answer. A refusal or an unreachable agent becomes one plain sentence.
 * Not thread-safe.
 */
public final class EmployeeClient implements AutoCloseable {

  /** A failure the CLI prints as one line and exits 1 with. */
  public static final class Refused extends Exception {
    Refused(String message) {
      super(message);
    }
  }

  private final Path socket;
  private final FramedClient connection;

  private EmployeeClient(Path socket, FramedClient connection) {
    this.socket = socket;
    this.connection = connection;
  }

  public static EmployeeClient connect(Path socket) throws Refused {
    try {
      return new EmployeeClient(socket, FramedClient.connect(socket));
    } catch (IOException e) {
      // No file, nothing listening, or a socket this account may not open: the reason says which.
      throw new Refused("the agent is not running, or cannot be reached at " + socket + " (" + e.getMessage()
          + "); start it with: fleet-agent run. Run as its own system user, it answers only the account "
          + "that FLEET_EMPLOYEE_USER names");
    }
  }

  public GetStatusResponse getStatus() throws Refused {
    return call(EmployeeCall.newBuilder().setGetStatus(GetStatusRequest.getDefaultInstance()),
        EmployeeAnswer.AnswerCase.GET_STATUS, EmployeeAnswer::getGetStatus);
  }

  public GetPolicyResponse getPolicy() throws Refused {
    return call(EmployeeCall.newBuilder().setGetPolicy(GetPolicyRequest.getDefaultInstance()),
        EmployeeAnswer.AnswerCase.GET_POLICY, EmployeeAnswer::getGetPolicy);
  }

  public StartPauseResponse startPause(StartPauseRequest request) throws Refused {
    return call(EmployeeCall.newBuilder().setStartPause(request),
        EmployeeAnswer.AnswerCase.START_PAUSE, EmployeeAnswer::getStartPause);
  }

  public EndPauseResponse endPause() throws Refused {
    return call(EmployeeCall.newBuilder().setEndPause(EndPauseRequest.getDefaultInstance()),
        EmployeeAnswer.AnswerCase.END_PAUSE, EmployeeAnswer::getEndPause);
  }

  public RequestExemptionResponse requestExemption(RequestExemptionRequest request) throws Refused {
    return call(EmployeeCall.newBuilder().setRequestExemption(request),
        EmployeeAnswer.AnswerCase.REQUEST_EXEMPTION, EmployeeAnswer::getRequestExemption);
  }

  public ListExemptionsResponse listExemptions() throws Refused {
    return call(EmployeeCall.newBuilder().setListExemptions(ListExemptionsRequest.getDefaultInstance()),
        EmployeeAnswer.AnswerCase.LIST_EXEMPTIONS, EmployeeAnswer::getListExemptions);
  }

  public AcknowledgeNoticeResponse acknowledgeNotice(AcknowledgeNoticeRequest request) throws Refused {
    return call(EmployeeCall.newBuilder().setAcknowledgeNotice(request),
        EmployeeAnswer.AnswerCase.ACKNOWLEDGE_NOTICE, EmployeeAnswer::getAcknowledgeNotice);
  }

  /** A one-time link that signs the employee in to the employee page. */
  public OpenPageResponse openPage() throws Refused {
    return call(EmployeeCall.newBuilder().setOpenPage(OpenPageRequest.getDefaultInstance()),
        EmployeeAnswer.AnswerCase.OPEN_PAGE, EmployeeAnswer::getOpenPage);
  }

  /** The exchange itself, for tests and tools that build their own calls. */
  public EmployeeAnswer call(EmployeeCall call) throws IOException {
    return call(call.toByteArray());
  }

  /** Any bytes as one call, and the answer: for tests that send what no client would. */
  public EmployeeAnswer call(byte[] call) throws IOException {
    return connection.call(call, EmployeeAnswer.parser());
  }

  private <R> R call(EmployeeCall.Builder call, EmployeeAnswer.AnswerCase expected, Function<EmployeeAnswer, R> pick)
      throws Refused {
    EmployeeAnswer answer;
    try {
      answer = call(call.build());
    } catch (IOException e) {
      throw new Refused("the agent stopped answering on " + socket + ": " + e.getMessage());
    }
    if (answer.hasError()) {
      throw new Refused(answer.getError().getMessage().isEmpty() ? answer.getError().getCode()
          : answer.getError().getMessage());
    }
    if (answer.getAnswerCase() != expected) {
      throw new Refused("the agent answered " + answer.getAnswerCase() + " to " + expected + "; is it another version?");
    }
    return pick.apply(answer);
  }

  @Override
  public void close() {
    try {
      connection.close();
    } catch (IOException e) {
      // Done with it either way.
    }
  }
}
