import type { Department } from '@smart-token/contracts';
import { Checkbox, CheckboxGroup, Label, Text } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { departmentName } from '../setup/setup';
import './departments.css';
import './messages';

/** The departments a person works in, as a group of checkboxes (React Aria: one tab stop per box, Space toggles). */
export function DepartmentPicker({ departments, value, onChange, disabled }: { departments: Department[]; value: string[]; onChange: (ids: string[]) => void; disabled?: boolean }) {
  const { t, i18n } = useTranslation('userDepartments');
  return (
    <CheckboxGroup className="department-picker" value={value} onChange={onChange} isDisabled={disabled}>
      <Label className="department-picker-label">{t('departments')}</Label>
      <Text slot="description" className="field-hint">
        {t('departmentsHint')}
      </Text>
      <div className="department-picker-options">
        {departments.map((d) => (
          <Checkbox key={d.id} value={d.id} className="department-picker-option">
            <span className="department-picker-box" aria-hidden="true" />
            {departmentName(d, i18n.language)} ({d.code})
          </Checkbox>
        ))}
      </div>
    </CheckboxGroup>
  );
}
