package io.contrastream.cli;

import io.contrastream.connectors.format.avro.AudioChunk;
import io.contrastream.connectors.format.avro.CpcPrediction;
import io.contrastream.connectors.format.avro.DeadLetter;
import io.contrastream.connectors.format.avro.Embedding;
import io.contrastream.connectors.format.avro.ImageRecord;
import io.contrastream.connectors.format.avro.ModelVersion;
import io.contrastream.connectors.format.avro.Quality;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.avro.Schema;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code contrastream schemas}: writes the Avro schema of every record type the job reads or writes, one
 * self-contained {@code .avsc} per type, as shipped in the connectors jar ({@code io/contrastream/avro/}).
 *
 * <pre>{@code
 * contrastream schemas --out schemas      # schemas/embedding.avsc, image_record.avsc, ...
 * }</pre>
 *
 * <p>Each file parses alone (no type defined in another file), so a consumer needs nothing but the file and
 * a plain Avro library: {@code avro.schema.parse(open("schemas/embedding.avsc").read())}. Before writing,
 * each is checked to equal the schema the job's generated classes write with, so a file can never drift
 * from the records on the topics.
 */
@Command(name = "schemas", mixinStandardHelpOptions = true,
        description = "Write the Avro schemas of the topics' records (one self-contained .avsc per type).")
final class SchemasCommand implements Callable<Integer> {
    /** The shipped resources' folder in the connectors jar. */
    static final String RESOURCE_DIR = "io/contrastream/avro/";

    /** File name → the generated class whose records use it. */
    static final Map<String, Schema> SCHEMAS = new LinkedHashMap<>();

    static {
        SCHEMAS.put("image_record.avsc", ImageRecord.getClassSchema());
        SCHEMAS.put("audio_chunk.avsc", AudioChunk.getClassSchema());
        SCHEMAS.put("embedding.avsc", Embedding.getClassSchema());
        SCHEMAS.put("cpc_prediction.avsc", CpcPrediction.getClassSchema());
        SCHEMAS.put("model_version.avsc", ModelVersion.getClassSchema());
        SCHEMAS.put("dead_letter.avsc", DeadLetter.getClassSchema());
        SCHEMAS.put("quality.avsc", Quality.getClassSchema());
    }

    @Option(names = "--out", required = true, description = "folder to write the .avsc files into (created)")
    Path out;

    @Override
    public Integer call() throws IOException {
        Files.createDirectories(out);
        for (Map.Entry<String, Schema> e : SCHEMAS.entrySet()) {
            byte[] text = shipped(e.getKey());
            Schema parsed = new Schema.Parser().parse(new String(text, java.nio.charset.StandardCharsets.UTF_8));
            if (!parsed.equals(portable(e.getValue()))) { // a build error, never a user's: say which file drifted
                throw new IllegalStateException(RESOURCE_DIR + e.getKey() + " differs from the schema of "
                        + e.getValue().getFullName() + " the job writes with");
            }
            Files.write(out.resolve(e.getKey()), text);
            System.out.println("schemas: " + out.resolve(e.getKey()) + " (" + e.getValue().getFullName() + ")");
        }
        System.out.println("schemas: wrote " + SCHEMAS.size() + " files to " + out);
        return 0;
    }

    /**
     * {@code schema} without the {@code "avro.java.string": "String"} marks the code generator puts on every
     * string of a generated class's schema (they only tell Java code to use {@code String}); what remains — names,
     * fields, their order, types and defaults — is what the shipped file must equal.
     */
    static Schema portable(Schema schema) {
        return new Schema.Parser().parse(schema.toString().replace(",\"avro.java.string\":\"String\"", ""));
    }

    /** The file as shipped in the connectors jar (with its docs, as written in the source). */
    static byte[] shipped(String file) throws IOException {
        try (InputStream in = SchemasCommand.class.getClassLoader().getResourceAsStream(RESOURCE_DIR + file)) {
            if (in == null) {
                throw new IOException("schema " + RESOURCE_DIR + file + " is not on the class path");
            }
            return in.readAllBytes();
        }
    }
}
