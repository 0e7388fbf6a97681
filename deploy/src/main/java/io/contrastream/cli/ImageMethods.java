package io.contrastream.cli;

import io.contrastream.model.method.registry.Recipes;
import java.util.Iterator;

/**
 * The methods trained on image views, from the registry: picocli's candidates for {@code --method}.
 *
 * <pre>{@code
 * @Option(names = "--method", completionCandidates = ImageMethods.class, description = "${COMPLETION-CANDIDATES}")
 * }</pre>
 */
final class ImageMethods implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
        return Recipes.IMAGE_METHODS.iterator();
    }
}
