package io.fleetcontrol.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

class BuildInfoTest {

  /** The version this module's pom inherits from the parent, read from the pom itself. */
  private static String pomVersion() throws Exception {
    // Surefire runs in the module's directory.
    Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("pom.xml").toFile());
    var parent = (org.w3c.dom.Element) pom.getDocumentElement().getElementsByTagName("parent").item(0);
    return parent.getElementsByTagName("version").item(0).getTextContent().strip();
  }

  @Test
  void theVersionIsThePomsAsMavenFilteredItIn() throws Exception {
    BuildInfo build = BuildInfo.current();

    assertEquals(pomVersion(), build.version());
    assertEquals("fleet.v1", build.apiVersion());
    assertSame(build, BuildInfo.current(), "read once");
  }

  @Test
  void anUnfilteredOrMissingFileIsRefusedWithWhatWentWrong() {
    var unfiltered = assertThrows(IllegalStateException.class,
        () -> BuildInfo.read(bytes("version=${project.version}\n")));
    assertTrue(unfiltered.getMessage().contains("not filtered"), unfiltered.getMessage());

    var empty = assertThrows(IllegalStateException.class, () -> BuildInfo.read(bytes("# nothing\n")));
    assertTrue(empty.getMessage().contains("has no version"), empty.getMessage());

    var missing = assertThrows(IllegalStateException.class, () -> BuildInfo.read(null));
    assertTrue(missing.getMessage().contains("not on the class path"), missing.getMessage());
  }

  @Test
  void aFilteredFileGivesItsVersion() throws Exception {
    assertEquals("1.4.2", BuildInfo.read(bytes("version = 1.4.2 \n")).version());
  }

  private static ByteArrayInputStream bytes(String text) {
    return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
  }
}
