// The icons Cubby uses, in one place: components import from here, so the set
// stays small and consistent and a swap of icon library touches one file.
// Lucide icons are decorative (aria-hidden) unless given an aria-label.

export { default as IconArrowLeft } from '@lucide/svelte/icons/arrow-left';
export { default as IconCheck } from '@lucide/svelte/icons/check';
export { default as IconChevronDown } from '@lucide/svelte/icons/chevron-down';
export { default as IconCloud } from '@lucide/svelte/icons/cloud';
export { default as IconFileText } from '@lucide/svelte/icons/file-text';
export { default as IconFileUp } from '@lucide/svelte/icons/file-up';
export { default as IconHardDrive } from '@lucide/svelte/icons/hard-drive';
export { default as IconInbox } from '@lucide/svelte/icons/inbox';
export { default as IconLoader } from '@lucide/svelte/icons/loader-circle';
export { default as IconMinus } from '@lucide/svelte/icons/minus';
export { default as IconPlus } from '@lucide/svelte/icons/plus';
export { default as IconSearch } from '@lucide/svelte/icons/search';
export { default as IconServer } from '@lucide/svelte/icons/server';
export { default as IconTrash } from '@lucide/svelte/icons/trash-2';
export { default as IconUpload } from '@lucide/svelte/icons/upload';
export { default as IconWarning } from '@lucide/svelte/icons/triangle-alert';
export { default as IconX } from '@lucide/svelte/icons/x';
export { default as IconCircleX } from '@lucide/svelte/icons/circle-x';
export { default as IconCircleCheck } from '@lucide/svelte/icons/circle-check';
export { default as IconChevronRight } from '@lucide/svelte/icons/chevron-right';
export { default as IconFolder } from '@lucide/svelte/icons/folder';
export { default as IconImage } from '@lucide/svelte/icons/image';
export { default as IconFile } from '@lucide/svelte/icons/file';
export { default as IconBuilding } from '@lucide/svelte/icons/building-2';
export { default as IconLink } from '@lucide/svelte/icons/link';
export { default as IconDownload } from '@lucide/svelte/icons/download';
export { default as IconShare } from '@lucide/svelte/icons/share-2';
export { default as IconCopy } from '@lucide/svelte/icons/copy';
export { default as IconArrowUp } from '@lucide/svelte/icons/arrow-up';
export { default as IconArrowDown } from '@lucide/svelte/icons/arrow-down';
export { default as IconSmartphone } from '@lucide/svelte/icons/smartphone';
export { default as IconRefresh } from '@lucide/svelte/icons/refresh-cw';
export { default as IconFileSpreadsheet } from '@lucide/svelte/icons/file-spreadsheet';
export { default as IconInfo } from '@lucide/svelte/icons/info';
export { default as IconMore } from '@lucide/svelte/icons/ellipsis';
export { default as IconEye } from '@lucide/svelte/icons/eye';
export { default as IconPencil } from '@lucide/svelte/icons/pencil';
export { default as IconFolderInput } from '@lucide/svelte/icons/folder-input';
export { default as IconPause } from '@lucide/svelte/icons/pause';
export { default as IconPlay } from '@lucide/svelte/icons/play';
export { default as IconChevronLeft } from '@lucide/svelte/icons/chevron-left';
export { default as IconCloudOff } from '@lucide/svelte/icons/cloud-off';
export { default as IconChartColumn } from '@lucide/svelte/icons/chart-column';
export { default as IconListFilter } from '@lucide/svelte/icons/list-filter';
