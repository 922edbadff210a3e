// The icons Cubby uses, in one place: components import from here, so the set
// stays small and consistent and a swap of icon library touches one file.
// Lucide's shapes, drawn by ./Glyph.svelte; decorative (aria-hidden).

import type { Component } from 'svelte';
import type { IconNode } from 'lucide';
import {
  ArrowLeft,
  Check,
  ChevronDown,
  Cloud,
  FileText,
  FileUp,
  HardDrive,
  Inbox,
  LoaderCircle,
  Minus,
  Plus,
  Search,
  Server,
  Trash2,
  Upload,
  TriangleAlert,
  X,
  CircleX,
  CircleCheck,
  ChevronRight,
  Folder,
  Image,
  File,
  Building2,
  Link,
  Download,
  Share2,
  Copy,
  ArrowUp,
  ArrowDown,
  Smartphone,
  RefreshCw,
  FileSpreadsheet,
  Info,
  Ellipsis,
  Eye,
  Pencil,
  FolderInput,
  Pause,
  Play,
  ChevronLeft,
  CloudOff,
  ChartColumn,
  ListFilter,
  ArrowRightLeft,
} from 'lucide';
import Glyph from './Glyph.svelte';

/** An icon as a component of its own (`<IconFile size={14} />`), drawn by Glyph. */
function icon(node: IconNode): Component<{ size?: number }> {
  return (internals, props) =>
    Glyph(internals, {
      node,
      get size() {
        return props.size;
      },
    });
}

export const IconArrowLeft = icon(ArrowLeft);
export const IconCheck = icon(Check);
export const IconChevronDown = icon(ChevronDown);
export const IconCloud = icon(Cloud);
export const IconFileText = icon(FileText);
export const IconFileUp = icon(FileUp);
export const IconHardDrive = icon(HardDrive);
export const IconInbox = icon(Inbox);
export const IconLoader = icon(LoaderCircle);
export const IconMinus = icon(Minus);
export const IconPlus = icon(Plus);
export const IconSearch = icon(Search);
export const IconServer = icon(Server);
export const IconTrash = icon(Trash2);
export const IconUpload = icon(Upload);
export const IconWarning = icon(TriangleAlert);
export const IconX = icon(X);
export const IconCircleX = icon(CircleX);
export const IconCircleCheck = icon(CircleCheck);
export const IconChevronRight = icon(ChevronRight);
export const IconFolder = icon(Folder);
export const IconImage = icon(Image);
export const IconFile = icon(File);
export const IconBuilding = icon(Building2);
export const IconLink = icon(Link);
export const IconDownload = icon(Download);
export const IconShare = icon(Share2);
export const IconCopy = icon(Copy);
export const IconArrowUp = icon(ArrowUp);
export const IconArrowDown = icon(ArrowDown);
export const IconSmartphone = icon(Smartphone);
export const IconRefresh = icon(RefreshCw);
export const IconFileSpreadsheet = icon(FileSpreadsheet);
export const IconInfo = icon(Info);
export const IconMore = icon(Ellipsis);
export const IconEye = icon(Eye);
export const IconPencil = icon(Pencil);
export const IconFolderInput = icon(FolderInput);
export const IconPause = icon(Pause);
export const IconPlay = icon(Play);
export const IconChevronLeft = icon(ChevronLeft);
export const IconCloudOff = icon(CloudOff);
export const IconChartColumn = icon(ChartColumn);
export const IconListFilter = icon(ListFilter);
export const IconArrowRightLeft = icon(ArrowRightLeft);
