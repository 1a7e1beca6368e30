// The --vscode-* variables VS Code sets on a webview's <html>, for the themes the screenshots use
// (values from the built-in Dark Modern, Light Modern and Dark High Contrast themes).
export type ThemeName = 'dark' | 'light' | 'hc';

const font = {
  '--vscode-font-family': '"Segoe WPC", "Segoe UI", "DejaVu Sans", sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-font-weight': 'normal',
  '--vscode-editor-font-family': '"DejaVu Sans Mono", monospace',
};

export const THEMES: Record<ThemeName, { bodyClass: string; vars: Record<string, string> }> = {
  dark: {
    bodyClass: 'vscode-dark',
    vars: {
      ...font,
      '--vscode-foreground': '#cccccc', '--vscode-editor-background': '#1f1f1f', '--vscode-descriptionForeground': '#9d9d9d',
      '--vscode-errorForeground': '#f85149', '--vscode-focusBorder': '#0078d4', '--vscode-panel-border': '#2b2b2b',
      '--vscode-progressBar-background': '#0078d4', '--vscode-list-inactiveSelectionBackground': '#37373d',
      '--vscode-list-hoverBackground': '#2a2d2e', '--vscode-list-activeSelectionBackground': '#04395e', '--vscode-list-activeSelectionForeground': '#ffffff',
      '--vscode-editorWidget-background': '#202020', '--vscode-widget-border': '#313131', '--vscode-widget-shadow': 'rgba(0,0,0,0.36)',
      '--vscode-input-background': '#313131', '--vscode-input-foreground': '#cccccc', '--vscode-input-border': '#3c3c3c', '--vscode-input-placeholderForeground': '#989898',
      '--vscode-inputValidation-errorBorder': '#be1100',
      '--vscode-button-background': '#0078d4', '--vscode-button-foreground': '#ffffff', '--vscode-button-hoverBackground': '#026ec1', '--vscode-button-border': 'rgba(255,255,255,0.07)',
      '--vscode-button-secondaryBackground': '#313131', '--vscode-button-secondaryForeground': '#cccccc', '--vscode-button-secondaryHoverBackground': '#3c3c3c',
      '--vscode-dropdown-background': '#313131', '--vscode-dropdown-foreground': '#cccccc', '--vscode-dropdown-border': '#3c3c3c', '--vscode-dropdown-listBackground': '#1f1f1f',
      '--vscode-checkbox-background': '#313131', '--vscode-checkbox-border': '#3c3c3c', '--vscode-checkbox-foreground': '#cccccc',
      '--vscode-textLink-foreground': '#4daafc', '--vscode-settings-textInputBackground': '#313131', '--vscode-settings-dropdownListBorder': '#454545',
    },
  },
  light: {
    bodyClass: 'vscode-light',
    vars: {
      ...font,
      '--vscode-foreground': '#3b3b3b', '--vscode-editor-background': '#ffffff', '--vscode-descriptionForeground': '#3b3b3b',
      '--vscode-errorForeground': '#f85149', '--vscode-focusBorder': '#005fb8', '--vscode-panel-border': '#e5e5e5',
      '--vscode-progressBar-background': '#005fb8', '--vscode-list-inactiveSelectionBackground': '#e4e6f1',
      '--vscode-list-hoverBackground': '#f2f2f2', '--vscode-list-activeSelectionBackground': '#e8e8e8', '--vscode-list-activeSelectionForeground': '#000000',
      '--vscode-editorWidget-background': '#f8f8f8', '--vscode-widget-border': '#e5e5e5', '--vscode-widget-shadow': 'rgba(0,0,0,0.16)',
      '--vscode-input-background': '#ffffff', '--vscode-input-foreground': '#3b3b3b', '--vscode-input-border': '#cecece', '--vscode-input-placeholderForeground': '#767676',
      '--vscode-inputValidation-errorBorder': '#be1100',
      '--vscode-button-background': '#005fb8', '--vscode-button-foreground': '#ffffff', '--vscode-button-hoverBackground': '#0258a8', '--vscode-button-border': 'rgba(0,0,0,0.1)',
      '--vscode-button-secondaryBackground': '#e5e5e5', '--vscode-button-secondaryForeground': '#3b3b3b', '--vscode-button-secondaryHoverBackground': '#cccccc',
      '--vscode-dropdown-background': '#ffffff', '--vscode-dropdown-foreground': '#3b3b3b', '--vscode-dropdown-border': '#cecece', '--vscode-dropdown-listBackground': '#ffffff',
      '--vscode-checkbox-background': '#f8f8f8', '--vscode-checkbox-border': '#cecece', '--vscode-checkbox-foreground': '#3b3b3b',
      '--vscode-textLink-foreground': '#005fb8', '--vscode-settings-textInputBackground': '#ffffff', '--vscode-settings-dropdownListBorder': '#cecece',
    },
  },
  hc: {
    bodyClass: 'vscode-high-contrast',
    vars: {
      ...font,
      '--vscode-foreground': '#ffffff', '--vscode-editor-background': '#000000', '--vscode-descriptionForeground': '#ffffff',
      '--vscode-errorForeground': '#f48771', '--vscode-focusBorder': '#f38518', '--vscode-panel-border': '#6fc3df',
      '--vscode-contrastBorder': '#6fc3df', '--vscode-contrastActiveBorder': '#f38518',
      '--vscode-progressBar-background': '#6fc3df', '--vscode-list-inactiveSelectionBackground': '#000000', '--vscode-list-hoverBackground': '#000000',
      '--vscode-editorWidget-background': '#0c141f', '--vscode-widget-border': '#6fc3df',
      '--vscode-input-background': '#000000', '--vscode-input-foreground': '#ffffff', '--vscode-input-border': '#6fc3df', '--vscode-input-placeholderForeground': '#ffffff',
      '--vscode-button-background': '#000000', '--vscode-button-foreground': '#ffffff', '--vscode-button-border': '#6fc3df',
      '--vscode-button-secondaryBackground': '#000000', '--vscode-button-secondaryForeground': '#ffffff',
      '--vscode-dropdown-background': '#000000', '--vscode-dropdown-foreground': '#ffffff', '--vscode-dropdown-border': '#6fc3df', '--vscode-dropdown-listBackground': '#000000',
      '--vscode-checkbox-background': '#000000', '--vscode-checkbox-border': '#6fc3df', '--vscode-checkbox-foreground': '#ffffff',
      '--vscode-textLink-foreground': '#21a6ff',
    },
  },
};
