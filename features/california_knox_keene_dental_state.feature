Feature: Example California Knox-Keene dental plan on the California state holiday calendar (a variant written with extends)
  Verifies examples/packs/california_knox_keene_dental_state.yaml: the California example with
  everything inherited but the calendar, which is the California holiday calendar of the holidays
  package (subdivision CA) less Susan B. Anthony Day.

  Times are California time (America/Los_Angeles). Every expected date below was counted by hand;
  the comments show the count.

  Background:
    Given the policy "examples/packs/california_knox_keene_dental_state.yaml"

  Scenario: The day after Thanksgiving is a state holiday: the fifth day rolls past it
    Given a grievance received online on Saturday 23 November 2024 at 10:00
    When the grievance is evaluated
    # 23 Nov + 5 = Thursday 28 November 2024 (Thanksgiving), Friday 29 (Day After Thanksgiving),
    # weekend -> Monday 2 December 2024
    Then the written acknowledgement of receipt is due on Monday 2 December 2024

  Scenario: Cesar Chavez Day is a state holiday
    Given a grievance received by mail on Friday 26 March 2027 at 10:00
    When the grievance is evaluated
    # 26 Mar + 5 = Wednesday 31 March 2027 (Cesar Chavez Day) -> Thursday 1 April 2027
    Then the written acknowledgement of receipt is due on Thursday 1 April 2027

  Scenario: Susan B. Anthony Day is removed: a due date on it stays
    Given a grievance received by mail on Thursday 10 February 2028 at 10:00
    When the grievance is evaluated
    # 10 Feb + 5 = Tuesday 15 February 2028 (Susan B. Anthony Day, removed): a business day, no roll
    Then the written acknowledgement of receipt is due on Tuesday 15 February 2028
