import { Button, ComboBox, Input, Label, ListBox, ListBoxItem, Popover, Text } from 'react-aria-components';
import './overlays.css';

export interface Choice {
  id: string;
  label: string;
}

/**
 * A choice among many that can be typed to narrow (React Aria's ComboBox: the listbox, its keyboard
 * and its announcements), laid out as the app's other fields. `value` is the chosen id, '' for none.
 */
export function ComboField({ label, hint, choices, value, onChange }: { label: string; hint?: string; choices: readonly Choice[]; value: string; onChange: (id: string) => void }) {
  return (
    <ComboBox
      className="field combo"
      defaultItems={choices}
      selectedKey={value || null}
      onSelectionChange={(key) => onChange(key === null ? '' : String(key))}
      menuTrigger="focus"
    >
      <Label>{label}</Label>
      <div className="combo-control">
        <Input className="combo-input" />
        <Button className="combo-toggle">
          <span aria-hidden="true">▾</span>
        </Button>
      </div>
      {hint && (
        <Text slot="description" className="field-hint">
          {hint}
        </Text>
      )}
      <Popover className="combo-popover" offset={4}>
        <ListBox<Choice> className="combo-list">
          {(choice) => (
            <ListBoxItem id={choice.id} textValue={choice.label} className="combo-option">
              {choice.label}
            </ListBoxItem>
          )}
        </ListBox>
      </Popover>
    </ComboBox>
  );
}
