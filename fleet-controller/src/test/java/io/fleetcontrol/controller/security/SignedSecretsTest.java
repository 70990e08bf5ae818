package io.fleetcontrol.controller.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class SignedSecretsTest {

  private final SignedSecrets credentials = new SignedSecrets("x".repeat(40));

  @Test
  void aCredentialIsCheckedWithoutStateAndOnlyForItsOwnDevice() {
    String nonce = credentials.nonceFor("laptop.7", "enrollment-0123456789abcdef");
    assertEquals(nonce, credentials.nonceFor("laptop.7", "enrollment-0123456789abcdef"), "the same enrollment, the same nonce");
    assertTrue(!nonce.equals(credentials.nonceFor("laptop.7", "enrollment-fedcba9876543210")), "another enrollment");
    String credential = credentials.credential("laptop.7", nonce);
    assertEquals(Optional.of(nonce), credentials.nonceOf("laptop.7", credential));
    assertEquals(Optional.of("laptop.7"), SignedSecrets.deviceIdOf(credential));
    assertTrue(credentials.nonceOf("laptop.8", credential).isEmpty(), "another device's id");
    String forged = credential.substring(0, credential.lastIndexOf('.') + 1) + "A".repeat(43);
    assertTrue(credentials.nonceOf("laptop.7", forged).isEmpty(), "a made-up MAC");
    assertTrue(new SignedSecrets("y".repeat(40)).nonceOf("laptop.7", credential).isEmpty(), "another key");
    assertTrue(credentials.nonceOf("laptop.7", "laptop.7").isEmpty());
  }

  @Test
  void enrollmentTokensCarryTheirIdAndAreCheckedByMac() {
    String token = credentials.enrollmentToken("et-0123456789ab");
    assertEquals(Optional.of("et-0123456789ab"), credentials.tokenIdOf(token));
    assertTrue(credentials.tokenIdOf("et-0123456789ab.guess").isEmpty());
    assertTrue(credentials.tokenIdOf("et-0123456789ab").isEmpty());
    assertNotEquals(credentials.credential("et-0123456789ab", "x"), token, "a token is no credential");
  }
}
