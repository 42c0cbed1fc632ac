/** image: the latest value as an image (an http(s) URL, a data: URL or bare base64). */
import { imageSource } from "../../lib/format";
import type { BlockKind, BlockProps } from "../kind";
import { NoFeed } from "../parts/NoFeed";

function ImageView({ block, feeds, source }: BlockProps) {
  const feed = feeds[0];
  if (!feed) return <NoFeed readOnly={!source.publish} />;
  const src = imageSource(feed.value);
  if (!src) {
    return (
      <p className="muted small" data-testid={`block-value-${block.id}`}>
        {feed.value ? "The latest value is not an image URL or base64 image." : "No image yet."}
      </p>
    );
  }
  return <img className="block-image" src={src} alt={`Latest image of ${feed.name}`} data-testid={`block-value-${block.id}`} />;
}

export const image: BlockKind = {
  meta: {
    type: "image",
    label: "Image",
    icon: "🖼",
    feeds: 1,
    control: false,
    size: [6, 6],
    about: "Shows an image URL or base64 image the feed holds.",
  },
  View: ImageView,
  fields: [],
};
