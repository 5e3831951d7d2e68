Feature: Example California Knox-Keene dental plan grievance system (H&S Code §1368; 28 CCR §1300.68)
  Verifies the example pack examples/packs/california_knox_keene_dental.yaml, written in YAML only:
  written acknowledgement within five calendar days (28 CCR §1300.68(d)(1)), resolution within
  thirty calendar days (H&S Code §1368.01(a)), each rolled forward off a weekend or holiday (CCP
  §12a), and for an urgent grievance a written statement on its disposition or pending status
  within 72 hours (H&S Code §1368.01(b)).

  Times are California time (America/Los_Angeles). Business days are Monday to Friday except US
  federal holidays on their observed dates. Every expected date below was counted by hand on a
  calendar; the comments show the count. Holidays met below: Thanksgiving (28 November 2024),
  Martin Luther King Jr. Day (20 January 2025), Juneteenth observed on Friday 18 June 2027 and New
  Year's Day 2028 observed on Friday 31 December 2027.

  Background:
    Given the policy "examples/packs/california_knox_keene_dental.yaml"

  Scenario: Thanksgiving week: five calendar days do not move, the thirtieth rolls off a Sunday
    Given a grievance received by mail on Friday 22 November 2024 at 10:00
    When the grievance is evaluated
    Then the grievance is classified as grievance
    # 22 Nov + 5 = Wednesday 27 November 2024, a business day
    And the written acknowledgement of receipt is due on Wednesday 27 November 2024 at 23:59:59 -08:00
    # 22 Nov + 8 = 30 Nov, + 22 = Sunday 22 December 2024 -> Monday 23 December
    And the resolution with a written response is due on Monday 23 December 2024
    And the written statement on the disposition is not required

  Scenario: The fifth day falls on Thanksgiving and rolls to the Friday after it
    Given a grievance received online on Saturday 23 November 2024 at 10:00
    When the grievance is evaluated
    # 23 Nov + 5 = Thursday 28 November 2024 (Thanksgiving) -> Friday 29 November (a business day
    # on the federal calendar)
    Then the written acknowledgement of receipt is due on Friday 29 November 2024
    And the basis of the written acknowledgement of receipt mentions "a holiday (Thanksgiving Day)"

  Scenario: Martin Luther King Jr. Day: the fifth day falls on the Monday holiday and rolls to Tuesday
    Given a grievance received by mail on Wednesday 15 January 2025 at 10:00
    When the grievance is evaluated
    # 15 Jan + 5 = Monday 20 January 2025 (MLK Day) -> Tuesday 21 January
    Then the written acknowledgement of receipt is due on Tuesday 21 January 2025
    # 15 Jan + 16 = 31 Jan, + 14 = Friday 14 February 2025
    And the resolution with a written response is due on Friday 14 February 2025

  Scenario: Juneteenth observed on Friday 18 June 2027: the fifth day rolls to Monday 21 June
    Given a grievance received online on Sunday 13 June 2027 at 10:00
    When the grievance is evaluated
    # 13 June + 5 = Friday 18 June 2027 (Juneteenth, a Saturday, observed Friday) -> weekend -> Monday 21 June
    Then the written acknowledgement of receipt is due on Monday 21 June 2027
    # 13 June + 17 = 30 June, + 13 = Tuesday 13 July 2027
    And the resolution with a written response is due on Tuesday 13 July 2027

  Scenario: New Year's Day 2028 observed on Friday 31 December 2027: the thirtieth day rolls to Monday 3 January 2028
    Given a grievance received by mail on Wednesday 1 December 2027 at 10:00
    When the grievance is evaluated
    # 1 Dec + 5 = Monday 6 December 2027
    Then the written acknowledgement of receipt is due on Monday 6 December 2027
    # 1 Dec + 30 = Friday 31 December 2027 (New Year's Day observed), Sat 1 and Sun 2 January -> Monday 3 January 2028
    And the resolution with a written response is due on Monday 3 January 2028 at 23:59:59 -08:00

  Scenario: An urgent grievance: a written statement within 72 hours, which does not roll
    Given an urgent grievance received by telephone on Friday 22 November 2024 at 15:30
    When the grievance is evaluated
    Then the grievance is classified as urgent grievance
    # 72 elapsed hours after Friday 15:30 = Monday 25 November 2024 at 15:30 (the weekend counts)
    And the written statement on the disposition is due on Monday 25 November 2024 at 15:30 -08:00
    And the written acknowledgement of receipt is not required

  Scenario: An urgent grievance over the end of daylight saving time: 72 elapsed hours (reading: elapsed time)
    Given an urgent grievance received by telephone on Friday 1 November 2024 at 12:00 -07:00
    When the grievance is evaluated
    # 72 hours after 19:00 UTC on 1 November = 19:00 UTC on 4 November = 11:00 PST (DST ended 3 November)
    Then the written statement on the disposition is due on Monday 4 November 2024 at 11:00 -08:00
