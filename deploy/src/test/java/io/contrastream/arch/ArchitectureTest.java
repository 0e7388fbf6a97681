package io.contrastream.arch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packages form the DAG that {@code src/site/architecture.md} draws: its {@code layers} block
 * lists the packages from the bottom up, one layer a line, and a package may use only packages of
 * lower lines (never one of its own line, never one above). Every reference counts — imports and
 * fully qualified names in code alike; comments and strings do not.
 *
 * <pre>{@code
 * mvn -pl deploy test -Dtest=ArchitectureTest
 * }</pre>
 */
class ArchitectureTest {
    static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    static final String BASE = "io.contrastream.";
    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
    private static final Pattern REFERENCE = Pattern.compile("\\bio\\.contrastream\\.([a-z][\\w]*(?:\\.[a-z][\\w]*)*)\\.[A-Z]");

    /** The layers of architecture.md, bottom first: package (without io.contrastream.) -> line index. */
    static Map<String, Integer> layers() throws IOException {
        String doc = Files.readString(ROOT.resolve("src/site/architecture.md"));
        int start = doc.indexOf("```layers");
        assertThat(start).as("architecture.md has a ```layers block").isGreaterThanOrEqualTo(0);
        int end = doc.indexOf("```", start + 9);
        String[] lines = doc.substring(start + 9, end).strip().split("\n");
        Map<String, Integer> out = new LinkedHashMap<>();
        // the block is drawn top (highest) first; index 0 = the bottom layer
        for (int i = 0; i < lines.length; i++) {
            String line = lines[lines.length - 1 - i].replaceAll("#.*", "").strip();
            for (String pkg : line.split("\\s+")) {
                if (!pkg.isEmpty() && out.put(pkg, i) != null) {
                    throw new AssertionError("architecture.md lists " + pkg + " twice");
                }
            }
        }
        return out;
    }

    /** Every main source file: its package and the io.contrastream packages its code refers to. */
    static Map<Path, String[]> sources() throws IOException {
        Map<Path, String[]> out = new LinkedHashMap<>();
        for (String module : List.of("metrics", "model", "connectors", "codecs", "kafka-embedded", "flink-jobs", "deploy")) {
            try (Stream<Path> files = Files.walk(ROOT.resolve(module).resolve("src/main/java"))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    String code = stripCommentsAndStrings(Files.readString(f));
                    Matcher pm = PACKAGE.matcher(code);
                    assertThat(pm.find()).as(f + " has a package line").isTrue();
                    TreeSet<String> refs = new TreeSet<>();
                    Matcher m = REFERENCE.matcher(code);
                    while (m.find()) {
                        refs.add(m.group(1));
                    }
                    List<String> row = new ArrayList<>();
                    row.add(pm.group(1).substring(BASE.length()));
                    row.addAll(refs);
                    out.put(ROOT.relativize(f), row.toArray(String[]::new));
                }
            }
        }
        return out;
    }

    @Test
    void everyReferenceGoesDownTheLayers() throws IOException {
        Map<String, Integer> layers = layers();
        List<String> wrong = new ArrayList<>();
        TreeSet<String> edges = new TreeSet<>();
        for (var e : sources().entrySet()) {
            String[] row = e.getValue();
            String from = row[0];
            Integer fromLayer = layers.get(from);
            if (fromLayer == null) {
                wrong.add(e.getKey() + ": package " + from + " is not in architecture.md's layers");
                continue;
            }
            for (int i = 1; i < row.length; i++) {
                String to = row[i];
                if (to.equals(from)) {
                    continue;
                }
                Integer toLayer = layers.get(to);
                edges.add(from + " -> " + to);
                if (toLayer == null) {
                    wrong.add(e.getKey() + ": uses " + to + ", which is not in architecture.md's layers");
                } else if (toLayer >= fromLayer) {
                    wrong.add(e.getKey() + ": " + from + " (layer " + fromLayer + ") uses " + to + " (layer " + toLayer
                            + ")" + (toLayer.equals(fromLayer) ? ": same layer" : ": a higher layer"));
                }
            }
        }
        System.out.println("ArchitectureTest: " + layers.size() + " packages in " + (layers.values().stream()
                .mapToInt(Integer::intValue).max().orElse(0) + 1) + " layers, " + edges.size()
                + " package dependencies, " + wrong.size() + " against the order");
        assertThat(wrong).isEmpty();
    }

    /** A package the block lists and no source holds or uses is a stale line (generated ones count as used). */
    @Test
    void everyListedPackageExists() throws IOException {
        TreeSet<String> present = new TreeSet<>();
        sources().values().forEach(row -> present.addAll(List.of(row)));
        assertThat(present).containsAll(layers().keySet());
    }

    @Test
    void theScanSeesFullyQualifiedNamesButNotComments() {
        String code = stripCommentsAndStrings("package io.contrastream.a;\n// io.contrastream.b.X\n/* io.contrastream.c.Y */\n"
                + "class Z { String s = \"io.contrastream.d.W\"; io.contrastream.e.V v; }");
        Matcher m = REFERENCE.matcher(code);
        List<String> found = new ArrayList<>();
        while (m.find()) {
            found.add(m.group(1));
        }
        assertThat(found).containsExactly("e");
    }

    /** Replaces comments, string and char literals by spaces (text blocks included). */
    static String stripCommentsAndStrings(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (c == '/' && i + 1 < n && s.charAt(i + 1) == '/') {
                while (i < n && s.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
                int e = s.indexOf("*/", i + 2);
                i = e < 0 ? n : e + 2;
                out.append(' ');
            } else if (s.startsWith("\"\"\"", i)) {
                int e = s.indexOf("\"\"\"", i + 3);
                i = e < 0 ? n : e + 3;
                out.append("\"\"");
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < n && s.charAt(j) != c) {
                    j += s.charAt(j) == '\\' ? 2 : 1;
                }
                i = j + 1;
                out.append(c).append(c);
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }
}
