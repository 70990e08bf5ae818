package io.fleetcontrol.controller.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import java.util.Optional;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.grpc.javadsl.Metadata;
import org.apache.pekko.grpc.javadsl.MetadataBuilder;
import org.junit.jupiter.api.Test;

class AgentAuthTest {

  private final SignedSecrets secrets = new SignedSecrets("s".repeat(40));

  private static Metadata metadata(String deviceId, String authorization) {
    var b = new MetadataBuilder();
    if (deviceId != null) {
      b.addText(AgentAuth.DEVICE_ID_HEADER, deviceId);
    }
    if (authorization != null) {
      b.addText("authorization", authorization);
    }
    return b.build();
  }

  private static Status.Code refusal(Metadata m) {
    return assertThrows(GrpcServiceException.class, () -> AgentAuth.authenticatedDeviceId(m)).getStatus().getCode();
  }

  @Test
  void aCallSpeaksForTheDeviceItsCredentialNames() {
    String credential = secrets.credential("laptop-1", "nonce-123");
    assertEquals("laptop-1", AgentAuth.authenticatedDeviceId(metadata("laptop-1", "Bearer " + credential)));
    assertEquals(Status.Code.PERMISSION_DENIED, refusal(metadata("laptop-2", "Bearer " + credential)));
  }

  @Test
  void aCallWithoutItsDeviceOrCredentialIsUnauthenticated() {
    String credential = secrets.credential("laptop-1", "nonce-123");
    assertEquals(Status.Code.UNAUTHENTICATED, refusal(metadata(null, "Bearer " + credential)));
    assertEquals(Status.Code.UNAUTHENTICATED, refusal(metadata("laptop-1", null)));
    assertEquals(Status.Code.UNAUTHENTICATED, refusal(metadata("laptop-1", "Bearer not-a-credential")));
    assertEquals(Status.Code.INVALID_ARGUMENT, refusal(metadata("bad id", "Bearer " + credential)));
  }

  @Test
  void theBearerSchemeIsCaseInsensitiveAndAnEmptyOneIsNone() {
    assertEquals(Optional.of("abc"), AgentAuth.bearer(metadata(null, "bearer abc ")));
    assertTrue(AgentAuth.bearer(metadata(null, "Bearer   ")).isEmpty());
    assertTrue(AgentAuth.bearer(metadata(null, "Basic abc")).isEmpty());
  }
}
