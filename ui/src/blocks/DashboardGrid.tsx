/** The dashboard grid: blocks placed by react-grid-layout, fed by the live connection. */
import { useMemo } from "react";
import { Responsive, useContainerWidth } from "react-grid-layout";
import type { ApiLayoutItem, Block, Dashboard, Feed } from "../api/types";
import { BREAKPOINT_WIDTHS, COLS } from "../lib/layouts";
import type { Breakpoint } from "../lib/layouts";
import { BlockFrame } from "./BlockFrame";
import type { DataSource } from "./source";
import { blockFeedStates, useFeedStates } from "./useFeedStates";
import { useGridLayouts } from "./useGridLayouts";
import type { SaveState } from "./useGridLayouts";
import "./blocks.css";

const SAVE_TEXT: Record<SaveState, string> = {
  idle: "",
  saving: "Saving…",
  saved: "Layout saved.",
  error: "Could not save the layout.",
};

export function DashboardGrid({
  dashboard,
  blocks,
  feeds,
  username,
  source,
  editing,
  onSaveLayouts,
  onEditBlock,
  onDeleteBlock,
  onReconnect,
}: {
  dashboard: Dashboard;
  blocks: Block[];
  feeds: Feed[];
  username: string;
  source: DataSource;
  editing: boolean;
  onSaveLayouts?: (layouts: Record<Breakpoint, ApiLayoutItem[]>) => Promise<void>;
  onEditBlock?: (block: Block) => void;
  onDeleteBlock?: (block: Block) => void;
  onReconnect?: () => void;
}) {
  const { width, containerRef, mounted } = useContainerWidth();
  const { layouts, saveState, scheduleSave, onLayoutChange } = useGridLayouts(dashboard, blocks, onSaveLayouts);
  const { states, accept } = useFeedStates(blocks, feeds, username, onReconnect);

  // Writes from controls show at once; the live echo then finds the same id.
  const wrapped = useMemo<DataSource>(
    () => ({
      ...source,
      publish: source.publish
        ? async (key: string, value: string) => {
            const datum = await source.publish!(key, value);
            if (datum && typeof datum === "object" && "id" in datum) accept(key, datum);
          }
        : null,
    }),
    [source, accept],
  );

  const byId = useMemo(() => new Map(blocks.map((b) => [b.id, b])), [blocks]);
  // Adafruit IO's color_mode: the dashboard's blocks are drawn in its own scheme.
  const mode = dashboard.color_mode === "light" ? "light" : "dark";

  return (
    <div
      ref={containerRef}
      className={`dashboard-grid${editing ? " dashboard-editing" : ""}`}
      data-color-mode={mode}
      data-testid="dashboard-grid"
    >
      {editing && onSaveLayouts && (
        <p className="help" role="status" data-testid="layout-save-state" data-state={saveState}>
          Drag blocks to move them, drag the bottom-right corner to resize. {SAVE_TEXT[saveState]}
        </p>
      )}
      {mounted && (
        <Responsive
          width={width}
          layouts={layouts}
          breakpoints={BREAKPOINT_WIDTHS}
          cols={COLS}
          rowHeight={40}
          margin={[10, 10]}
          dragConfig={{ enabled: editing, cancel: ".block-tools, .block-tools *" }}
          resizeConfig={{ enabled: editing, handles: ["se"] }}
          onLayoutChange={onLayoutChange}
          onDragStop={scheduleSave}
          onResizeStop={scheduleSave}
        >
          {blocks.map((block) => (
            <div key={block.id} data-testid={`block-${block.id}`} data-visual-type={block.visual_type}>
              <BlockFrame
                block={block}
                feeds={blockFeedStates(block, states)}
                source={wrapped}
                editing={editing}
                borders={dashboard.block_borders !== false}
                mode={mode}
                onEdit={byId.has(block.id) ? onEditBlock : undefined}
                onDelete={byId.has(block.id) ? onDeleteBlock : undefined}
              />
            </div>
          ))}
        </Responsive>
      )}
    </div>
  );
}
