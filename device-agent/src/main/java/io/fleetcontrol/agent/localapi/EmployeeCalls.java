package io.fleetcontrol.agent.localapi;

import io.fleetcontrol.proto.agent.v1.EmployeeAnswer;
import io.fleetcontrol.proto.agent.v1.EmployeeCall;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.pekko.grpc.GrpcServiceException;

/**
 * One {@link EmployeeCall} to the {@link EmployeeApi} method it names, and its {@link EmployeeAnswer}
 * (or the refusal, as an answer too). The employee socket and the employee page both answer through
 * this, each after its own check of who is calling.
 */
public final class EmployeeCalls {

  /** Longer than an employee request waits for the controller, so that wait decides the answer. */
  private static final Duration ANSWER_LIMIT = EmployeeApi.CONTROLLER_ANSWER_WAIT.plusSeconds(5);

  private final EmployeeApi api;

  public EmployeeCalls(EmployeeApi api) {
    this.api = api;
  }

  public EmployeeAnswer answer(EmployeeCall call) {
    EmployeeAnswer.Builder out = EmployeeAnswer.newBuilder();
    try {
      return switch (call.getCallCase()) {
        case GET_STATUS -> await(api.getStatus(call.getGetStatus()), out::setGetStatus);
        case GET_POLICY -> await(api.getPolicy(call.getGetPolicy()), out::setGetPolicy);
        case START_PAUSE -> await(api.startPause(call.getStartPause()), out::setStartPause);
        case END_PAUSE -> await(api.endPause(call.getEndPause()), out::setEndPause);
        case REQUEST_EXEMPTION -> await(api.requestExemption(call.getRequestExemption()), out::setRequestExemption);
        case LIST_EXEMPTIONS -> await(api.listExemptions(call.getListExemptions()), out::setListExemptions);
        case ACKNOWLEDGE_NOTICE -> await(api.acknowledgeNotice(call.getAcknowledgeNotice()), out::setAcknowledgeNotice);
        case OPEN_PAGE -> await(api.openPage(call.getOpenPage()), out::setOpenPage);
        case CALL_NOT_SET -> refusal(Status.Code.INVALID_ARGUMENT, "call: set one of get_status, get_policy, "
            + "start_pause, end_pause, request_exemption, list_exemptions, acknowledge_notice, open_page");
      };
    } catch (GrpcServiceException refused) {
      return refusal(refused.getStatus().getCode(), refused.getStatus().getDescription());
    }
  }

  /** An answer saying why a call was refused; nothing changed. */
  public static EmployeeAnswer refusal(Status.Code code, String message) {
    return EmployeeAnswer.newBuilder().setError(LocalApi.error(code, message)).build();
  }

  private static <R> EmployeeAnswer await(CompletionStage<R> response, Function<R, EmployeeAnswer.Builder> into) {
    try {
      return into.apply(response.toCompletableFuture().get(ANSWER_LIMIT.toMillis(), TimeUnit.MILLISECONDS)).build();
    } catch (ExecutionException | CompletionException failed) {
      if (failed.getCause() instanceof GrpcServiceException refused) {
        throw refused;
      }
      throw new GrpcServiceException(Status.INTERNAL.withDescription(String.valueOf(failed.getCause())));
    } catch (TimeoutException e) {
      throw new GrpcServiceException(Status.UNAVAILABLE.withDescription("the agent did not answer within "
          + ANSWER_LIMIT.toSeconds() + " s; the request may still be recorded: check fleet-agent status before "
          + "asking again"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GrpcServiceException(Status.UNAVAILABLE.withDescription("the agent is stopping"));
    }
  }
}
