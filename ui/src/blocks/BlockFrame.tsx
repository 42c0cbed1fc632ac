/** One block on the grid: its title bar (with configure/delete in edit mode) and its body. */
import type { Block } from "../api/types";
import { BlockBody } from "./BlockView";
import { blockStyle } from "./parts/appearance";
import { kindOf } from "./registry";
import type { DataSource, FeedState } from "./source";

export function BlockFrame({
  block,
  feeds,
  source,
  editing,
  borders,
  mode,
  onEdit,
  onDelete,
}: {
  block: Block;
  feeds: FeedState[];
  source: DataSource;
  editing: boolean;
  borders: boolean;
  mode: "light" | "dark";
  onEdit?: (block: Block) => void;
  onDelete?: (block: Block) => void;
}) {
  const label = kindOf(block.visual_type)?.meta.label ?? block.visual_type;
  const title = block.name || (block.visual_type === "divider" ? "" : feeds.map((f) => f.name).join(", ") || label);
  return (
    <div className={`block${borders ? "" : " block-borderless"}`} style={blockStyle(block, mode)}>
      {(title || editing) && (
        <div className="block-head">
          <span className="block-title" title={title}>
            {title}
          </span>
          {editing && (onEdit || onDelete) && (
            <span className="block-tools">
              {onEdit && (
                <button
                  type="button"
                  className="btn-icon"
                  aria-label={`Configure ${title || block.visual_type}`}
                  data-testid={`block-edit-${block.id}`}
                  onClick={() => onEdit(block)}
                >
                  ⚙
                </button>
              )}
              {onDelete && (
                <button
                  type="button"
                  className="btn-icon"
                  aria-label={`Delete ${title || block.visual_type}`}
                  data-testid={`block-delete-${block.id}`}
                  onClick={() => onDelete(block)}
                >
                  🗑
                </button>
              )}
            </span>
          )}
        </div>
      )}
      <div className="block-body" style={editing ? { pointerEvents: "none" } : undefined}>
        <BlockBody block={block} feeds={feeds} source={source} editing={editing} />
      </div>
    </div>
  );
}
