package io.fleetcontrol.controller.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import org.apache.pekko.grpc.GrpcServiceException;
import org.junit.jupiter.api.Test;

class PageTokensTest {

  private final PageTokens tokens = new PageTokens("secret");

  @Test
  void aTokenGivesBackItsCursorForTheSameListAndFilters() {
    String token = tokens.issue("devices", "jurisdiction: DE", "sim-00042");
    assertEquals("sim-00042", tokens.cursor(token, "devices", "jurisdiction: DE"));
    assertNull(tokens.cursor("", "devices", "jurisdiction: DE"), "no token: the first page");
  }

  @Test
  void filtersLeaveOutPagingButKeepEveryFilter() {
    var first = io.fleetcontrol.proto.v1.ListDevicesRequest.newBuilder().setJurisdiction("DE").setPageSize(10).build();
    var next = first.toBuilder().setPageSize(50).setPageToken("t").build();
    assertEquals(PageTokens.filtersOf(first), PageTokens.filtersOf(next));
    assertTrue(!PageTokens.filtersOf(first).equals(PageTokens.filtersOf(first.toBuilder().setJurisdiction("US").build())));
  }

  @Test
  void aTokenForOtherFiltersIsRefusedAndSaysSo() {
    String token = tokens.issue("devices", "jurisdiction: DE", "sim-00042");
    assertInvalid(() -> tokens.cursor(token, "devices", "jurisdiction: US"), "issued for other filters");
  }

  @Test
  void alteredMadeUpOrForeignTokensAreRefused() {
    String token = tokens.issue("devices", "", "sim-00042");
    char[] chars = token.toCharArray();
    chars[3] = chars[3] == 'A' ? 'B' : 'A';
    assertInvalid(() -> tokens.cursor(new String(chars), "devices", ""), "not a token this server issued");
    assertInvalid(() -> tokens.cursor("forged", "devices", ""), "not a token this server issued");
    assertInvalid(() -> tokens.cursor("!!!.???", "devices", ""), "not a token this server issued");
    assertInvalid(() -> tokens.cursor(token, "audit", ""), "not a token this server issued");
    assertInvalid(() -> new PageTokens("another secret").cursor(token, "devices", ""), "not a token this server issued");
  }

  private static void assertInvalid(Runnable call, String expected) {
    GrpcServiceException e = assertThrows(GrpcServiceException.class, call::run);
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains(expected), e.getStatus().getDescription());
  }
}
