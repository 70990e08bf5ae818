package io.fleetcontrol.controller.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fleetcontrol.refusal.Refusal;
import io.grpc.Status;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.grpc.GrpcServiceException;
import org.junit.jupiter.api.Test;

/** The one place a refusal becomes a status: by its kind, whatever its words say. */
class GrpcErrorsTest {

  /** The status of an ask that failed with this refusal, as askWithStatus hands it over. */
  private static Status.Code codeOf(Refusal refusal) {
    return GrpcErrors.fromAsk("ask", new CompletionException(refusal.reply().getError())).getStatus().getCode();
  }

  @Test
  void eachKindOfRefusalHasItsStatusAndKeepsItsWords() {
    assertEquals(Status.Code.NOT_FOUND, codeOf(new Refusal.NotFound("device d1 is not enrolled")));
    assertEquals(Status.Code.ALREADY_EXISTS, codeOf(new Refusal.AlreadyExists("policy eng already exists")));
    assertEquals(Status.Code.FAILED_PRECONDITION, codeOf(new Refusal.Conflict("capture is not paused")));
    assertEquals(Status.Code.UNAUTHENTICATED, codeOf(new Refusal.Unauthenticated("the credential is not valid")));
    GrpcServiceException e = GrpcErrors.fromAsk("ask", new Refusal.Conflict("capture is not paused").reply().getError());
    assertEquals("capture is not paused", e.getStatus().getDescription());
  }

  @Test
  void theWordsDoNotChooseTheStatus() {
    assertEquals(Status.Code.FAILED_PRECONDITION, codeOf(new Refusal.Conflict("policy p does not exist")));
    assertEquals(Status.Code.NOT_FOUND, codeOf(new Refusal.NotFound("policy p already exists")));
  }

  @Test
  void anyRefusalOfAStreamsCredentialIsUnauthenticated() {
    for (Refusal refusal : new Refusal[] {new Refusal.NotFound("device d1 is not enrolled"),
        new Refusal.Unauthenticated("the credential is not valid for device d1")}) {
      GrpcServiceException e = GrpcErrors.fromAttach("d1", new CompletionException(refusal.reply().getError()));
      assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
      assertEquals(refusal.message(), e.getStatus().getDescription());
    }
  }

  @Test
  void noAnswerInTimeIsUnavailableAndAnythingElseInternal() {
    assertEquals(Status.Code.UNAVAILABLE,
        GrpcErrors.fromAsk("get device d1", new CompletionException(new TimeoutException("ask"))).getStatus().getCode());
    assertEquals(Status.Code.INTERNAL,
        GrpcErrors.fromAsk("get device d1", new IllegalStateException("boom")).getStatus().getCode());
  }

  @Test
  void cassandraNotAnsweringIsUnavailableNotInternal() {
    Throwable[] away = {new com.datastax.oss.driver.api.core.NoNodeAvailableException(),
        new com.datastax.oss.driver.api.core.DriverTimeoutException("Query timed out after PT2S")};
    for (Throwable failure : away) {
      assertEquals(true, GrpcErrors.databaseUnavailable(new CompletionException(failure)), failure.toString());
      GrpcServiceException e = GrpcErrors.fromAsk("list exemptions", new CompletionException(failure));
      assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
      assertEquals("list exemptions: the database did not answer; retry", e.getStatus().getDescription());
    }
    assertEquals(true, GrpcErrors.databaseUnavailable(new java.util.concurrent.ExecutionException(
        new com.datastax.oss.driver.api.core.NoNodeAvailableException())), "wrapped by a blocking get");
    assertEquals(false, GrpcErrors.databaseUnavailable(new IllegalStateException("boom")));
  }
}
