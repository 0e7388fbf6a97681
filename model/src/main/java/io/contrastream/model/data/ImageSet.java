package io.contrastream.model.data;

import io.contrastream.model.augment.image.Image;
import java.util.List;

/**
 * A labelled set of same-sized images held in memory, as read by {@link DataSpec}.
 *
 * <pre>{@code
 * ImageSet train = DataSpec.parse("fashion-mnist:/usr/share/datasets/fashion-mnist:train").read();
 * Image first = train.images().get(0);
 * }</pre>
 *
 * @param images the images, all of one shape
 * @param labels one label per image, or -1 where unknown
 * @param classNames class names by label index (may be just the label numbers)
 */
public record ImageSet(List<Image> images, int[] labels, List<String> classNames) {
    public ImageSet {
        if (images.size() != labels.length) {
            throw new IllegalArgumentException(images.size() + " images but " + labels.length + " labels");
        }
    }

    public int size() {
        return images.size();
    }

    /** The images [from, to) as a new set. */
    public ImageSet slice(int from, int to) {
        return new ImageSet(images.subList(from, to), java.util.Arrays.copyOfRange(labels, from, to), classNames);
    }
}
