package io.contrastream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code contrastream schemas --out DIR} writes one .avsc per record type; each parses alone with a fresh
 * parser (no type defined elsewhere, e.g. ImageRecord's AudioEncoding) and equals the schema the job's
 * generated class writes with (less the Java-only {@code avro.java.string} marks; the parsing canonical forms,
 * which decide the binary encoding, are equal as they are), so a consumer decoding with the file reads exactly
 * the records on the topics.
 */
class SchemasCommandTest {
    @TempDir
    Path dir;

    @Test
    void writesOneSelfContainedSchemaPerRecordTypeEqualToTheJobs() throws Exception {
        Path out = dir.resolve("schemas");
        CommandLineTest.Result r = CommandLineTest.run("schemas", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().strip().lines().reduce((a, b) -> b).orElse(""))
                .isEqualTo("schemas: wrote 7 files to " + out);
        try (var files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList()).isEqualTo(List.of(
                    "audio_chunk.avsc", "cpc_prediction.avsc", "dead_letter.avsc", "embedding.avsc",
                    "image_record.avsc", "model_version.avsc", "quality.avsc"));
        }
        for (Map.Entry<String, Schema> e : SchemasCommand.SCHEMAS.entrySet()) {
            Schema alone = new Schema.Parser().parse(out.resolve(e.getKey()).toFile()); // a fresh parser per file
            assertThat(alone).as(e.getKey()).isEqualTo(SchemasCommand.portable(e.getValue()));
            // and binary-identical to the generated class's schema, marks and all
            assertThat(SchemaNormalization.parsingFingerprint64(alone)).as(e.getKey())
                    .isEqualTo(SchemaNormalization.parsingFingerprint64(e.getValue()));
            assertThat(alone.getFullName()).isEqualTo(e.getValue().getFullName());
        }
        // the type shared by two files is defined in each, identically
        Schema image = new Schema.Parser().parse(out.resolve("image_record.avsc").toFile());
        Schema audio = new Schema.Parser().parse(out.resolve("audio_chunk.avsc").toFile());
        Schema clip = image.getField("audio").schema().getTypes().get(1);
        assertThat(clip.getField("encoding").schema()).isEqualTo(audio.getField("encoding").schema());
    }
}
